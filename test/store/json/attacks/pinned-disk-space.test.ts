// ATTACK: an idle reader of a workflow on a nearly full disk. It holds nothing open between
// calls, so a version another writer replaced keeps no disk space, and the writer's change
// fits exactly as it would without the reader.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fixture } from "../../../helpers/paths.js";
import { requirement } from "../../../helpers/requirements.js";
import { tempDir } from "../../../helpers/temp-dir.js";

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
