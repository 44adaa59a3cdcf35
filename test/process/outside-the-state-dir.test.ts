// Nothing the JSON store writes follows a symbolic link or leaves the state directory:
// links planted at every side path it uses (the lock, a staging directory, a temp file,
// the old mailbox) while processes race on the workflow leave what they point at as it was.
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AckWorker } from "../helpers/ack-worker.js";
import { fixture } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-dir.js";

async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    files[entry] = (await lstat(path)).isDirectory() ? "(directory)" : await readFile(path, "utf8");
  }
  return files;
}

describe("outside the state directory", () => {
  it("is never written, read or removed through links planted at the store's side paths", async () => {
    const outside = await tempDir();
    await writeFile(join(outside, "precious.txt"), "not yours\n");
    await mkdir(join(outside, "nested"));
    await writeFile(join(outside, "nested", "also.txt"), "keep\n");
    const before = await snapshot(outside);

    const dir = await tempDir();
    const stateFile = join(dir, "wf.json");
    const plant = async () => {
      for (const [name, target] of [
        ["wf.json.lock", outside], // where the lock goes
        ["wf.json.calls", outside], // where an earlier version posted calls
        ["wf.json.lock.owner-999999-aa.tmp", outside], // a dead waiter's staging directory, by its name
        ["wf.json.owner-999999-bb.tmp", join(outside, "precious.txt")], // a dead writer's temp file, by its name
        ["wf.json.owner-999998-cc.tmp", outside],
      ] as const) {
        await symlink(target, join(dir, name)).catch(() => undefined);
      }
    };
    await plant();
    const workers = Array.from({ length: 4 }, (_, i) => new AckWorker(fixture("outcome-worker.mjs"), [stateFile, `w${i}`, "30"]));
    for (let round = 0; round < 5; round++) {
      await Promise.all(workers.map((worker) => worker.nextAcks(6)));
      await plant(); // again, while they work
    }
    const exits = await Promise.all(workers.map((worker) => worker.stop()));
    exits.forEach((exit, i) => expect(exit.code, workers[i]?.stderr).toBe(0));
    expect(workers.flatMap((worker) => worker.acks as unknown as { ok: boolean; message?: string }[]).filter((outcome) => !outcome.ok)).toEqual([]);

    expect(await snapshot(outside)).toEqual(before);
    // The state file is a regular file holding the work; the links that were in the way are gone.
    expect((await lstat(stateFile)).isFile()).toBe(true);
    expect(JSON.parse(await readFile(stateFile, "utf8")).tasks).not.toEqual({});
  }, 60_000);
});
