/**
 * Checks at startup that the state directory can be used, so a wrong path fails at
 * once with a sentence on stderr instead of on an agent's first write. The directory
 * itself is not created here: that happens on the first write.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError } from "./usage-error.js";

export async function assertUsableStateDir(stateDir: string): Promise<void> {
  let probe = stateDir;
  for (;;) {
    const found = await stat(probe).catch((error: NodeJS.ErrnoException) => {
      // Missing, or below a regular file: look at the parent to say why.
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw unusable(stateDir, `${probe}: ${error.message}`);
    });
    if (found === null) {
      const parent = dirname(probe);
      if (parent === probe) throw unusable(stateDir, "no part of the path exists");
      probe = parent;
      continue;
    }
    const exists = probe === stateDir;
    if (!found.isDirectory()) {
      throw unusable(stateDir, exists ? "it is not a directory" : `${probe} is not a directory, so it cannot be created`);
    }
    const needed = exists ? constants.R_OK | constants.W_OK | constants.X_OK : constants.W_OK | constants.X_OK;
    await access(probe, needed).catch(() => {
      throw unusable(stateDir, exists ? "it is not readable and writable" : `cannot create it in ${probe} (no write permission)`);
    });
    return;
  }
}

function unusable(stateDir: string, why: string): UsageError {
  return new UsageError(`cannot use state directory "${stateDir}": ${why}. Pass a writable directory with --state-dir or TASK_MANAGER_STATE_DIR.`);
}
