// A full disk and a read-only file system, for real: a small tmpfs mounted in a mount
// namespace of a child process's own (unshare), so nothing outside it is affected.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliPath } from "../../helpers/mcp-client.js";
import { fixture } from "../../helpers/paths.js";
import { requirement } from "../../helpers/requirements.js";
import { tempDir } from "../../helpers/temp-dir.js";

const MOUNT = 'mount -t tmpfs -o size=256k tmpfs "$1" && exec "$2" "$3" "$1" "$4"';
const canMount = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"]).status === 0;

interface Failure {
  code: string;
  message: string;
}

describe.skipIf(!requirement(canMount, "a mount namespace (unshare --user --map-root-user --mount) to mount a small tmpfs"))("a full or read-only disk", () => {
  it("gives STORE_UNAVAILABLE saying why, changes nothing, and forgets the change it could not write", async () => {
    const dir = await tempDir();
    const run = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", MOUNT, "sh", dir, process.execPath, fixture("disk-errors-worker.mjs"), cliPath], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      full: { error: Failure; created: number; inFile: number; summary: number };
      claim: { error: Failure; held: { inFile: number; seen: number }; claimedAfter: string; first: string; leftovers: string[]; cli: { status: number; stderr: string } };
      readOnly: { error: Failure; unchanged: boolean; stillReads: number; cli: { status: number; stderr: string } };
    };

    // Full: the create that did not fit is refused; every create that returned is in the file, and only those.
    expect(report.full.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(report.full.error.message).toContain("the disk is full");
    expect(report.full.error.message).toContain("Nothing was changed");
    expect(report.full.error.message).not.toMatch(/ENOSPC|no space left/i);
    expect(report.full.created).toBeGreaterThan(10);
    expect(report.full.inFile).toBe(report.full.created);
    expect(report.full.summary).toBe(report.full.created);

    // A refused claim holds nothing, on disk or in the store's view, and the same task is claimed once there is room.
    expect(report.claim.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(report.claim.held).toEqual({ inFile: 0, seen: 0 });
    expect(report.claim.claimedAfter).toBe(report.claim.first);
    expect(report.claim.leftovers).toEqual([]);
    // The command line: its documented exit code for STORE_UNAVAILABLE, one line, no errno text.
    expect(report.claim.cli.status).toBe(4);
    expect(report.claim.cli.stderr.trim().split("\n")).toHaveLength(1);
    expect(report.claim.cli.stderr).toContain("the disk is full");
    expect(report.claim.cli.stderr).not.toMatch(/ENOSPC|no space left|\n\s+at /i);

    // Read-only: refused, the file untouched, still read; the command line refuses the directory in one line.
    expect(report.readOnly.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(report.readOnly.error.message).toContain("read-only");
    expect(report.readOnly.error.message).not.toMatch(/EROFS/);
    expect(report.readOnly.unchanged).toBe(true);
    expect(report.readOnly.stillReads).toBe(5);
    expect(report.readOnly.cli.status).toBe(1);
    expect(report.readOnly.cli.stderr).toContain("not readable and writable");
    expect(report.readOnly.cli.stderr).not.toMatch(/EROFS|\n\s+at /);
  });
});
