import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export async function tempDir(prefix = "tm-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Every file below `dir` with its bytes, to assert that nothing changed. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path] = entry.isFile() ? (await readFile(path)).toString("base64") : "<dir>";
  }
  return out;
}

/**
 * Waits until no lock directory is left in a state directory: each process keeps its
 * lock's directory for a second after its last call (see parkedOwners in file-lock.ts).
 */
export async function locksLetGo(stateDir: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readdir(stateDir)).some((entry) => entry.includes(".lock"))) {
    if (Date.now() > deadline) throw new Error(`lock directories still in ${stateDir} after ${timeoutMs} ms: ${(await readdir(stateDir)).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
