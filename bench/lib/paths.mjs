import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const benchDir = fileURLToPath(new URL("..", import.meta.url));
export const resultsDir = join(benchDir, "results");
export const workerPath = (name) => join(benchDir, "workers", name);
export const cliPath = join(repoRoot, "dist", "cli.js");

/** The seed baseline: ../shared/baseline beside the repo (CI), else /work/shared/baseline. */
export function findSeedBaseline() {
  const candidates = [process.env.SEED_BASELINE_DIR, join(repoRoot, "..", "shared", "baseline"), "/work/shared/baseline"];
  return candidates.find((dir) => dir && existsSync(join(dir, "bench.py")) && existsSync(join(dir, "task_manager.py"))) ?? null;
}

const made = [];
/** A scratch directory on the same disk as state files normally live; removed at exit. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `tm-bench-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeScratchDirs() {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
