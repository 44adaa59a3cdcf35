// ATTACK: the descriptor a StateFile keeps open pins the inode of the version it last read,
// so once another writer replaces the file, that old version's blocks stay allocated
// (invisible to du) until the reader's next call. Every idle reader of a workflow holds one
// more copy of it on disk: on a nearly full disk a writer fails with "the disk is full"
// where, without the idle reader, its change fits.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fixture } from "../helpers/paths.js";
import { requirement } from "../helpers/requirements.js";
import { tempDir } from "../helpers/temp-dir.js";

const MOUNT = 'mount -t tmpfs -o size=256k tmpfs "$1" && exec "$2" "$3" "$1"';
const canMount = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"]).status === 0;

describe.skipIf(!requirement(canMount, "a mount namespace (unshare --user --map-root-user --mount) to mount a small tmpfs"))("ATTACK: disk space held by idle readers", () => {
  it("an idle reader of a workflow does not make another process's change fail for want of space", async () => {
    const dir = await tempDir();
    const run = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", MOUNT, "sh", dir, process.execPath, fixture("attack-pinned-space.mjs")], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { alone: unknown; withIdleReader: unknown; fileKiB: number; usedKiB: number };
    expect(report.alone, "the changes fit when nobody else has read the workflow").toBeNull();
    expect(report.withIdleReader, `file ${report.fileKiB} KiB, tmpfs used ${report.usedKiB} KiB of 256`).toBeNull();
  });
});
