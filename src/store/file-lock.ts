/**
 * An exclusive lock on a state file, shared by every process on the machine:
 * proper-lockfile's directory `<file>.lock`. We do our own retry loop instead of
 * proper-lockfile's `retries`, which rebuilds an array of every timeout on each
 * call and backs off to seconds; agents contend for milliseconds, so we poll
 * briefly with jitter and give up exactly at the caller's timeout.
 */
import { lstat, unlink } from "node:fs/promises";
import lockfile from "proper-lockfile";
import { LockCompromisedError, LockTimeoutError } from "../core/errors.js";

export interface FileLockOptions {
  /** Give up with LOCK_TIMEOUT after this long. */
  timeoutMs: number;
  /** A lock untouched for this long belongs to a dead or stalled process and is taken over. */
  staleMs: number;
  /** How often the holder touches the lock to show it is alive (proper-lockfile's `update`). */
  updateMs: number;
}

export const DEFAULT_LOCK_STALE_MS = 4_000;
export const DEFAULT_LOCK_UPDATE_MS = 1_000;

export interface HeldLock {
  /** Throws LOCK_COMPROMISED if another process may have taken the lock over since we got it. */
  assertHeld(): void;
  release(): Promise<void>;
}

const FIRST_RETRY_MS = 1;
const MAX_RETRY_MS = 20;

export function lockPathFor(file: string): string {
  return `${file}.lock`;
}

export async function acquireFileLock(file: string, options: FileLockOptions): Promise<HeldLock> {
  const lockfilePath = lockPathFor(file);
  const deadline = Date.now() + options.timeoutMs;
  let retryMs = FIRST_RETRY_MS;
  for (;;) {
    let compromisedBy: Error | undefined;
    try {
      const release = await lockfile.lock(file, {
        lockfilePath,
        realpath: false,
        retries: 0,
        stale: options.staleMs,
        update: options.updateMs,
        // The default throws from a timer and kills the process; we refuse the pending write instead.
        onCompromised: (error) => {
          compromisedBy = error;
        },
      });
      return {
        assertHeld() {
          if (compromisedBy) throw new LockCompromisedError(file, compromisedBy);
        },
        async release() {
          if (compromisedBy) return; // proper-lockfile already gave it up
          await release().catch((error: NodeJS.ErrnoException) => {
            if (error.code !== "ERELEASED") throw error;
          });
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ELOCKED" && code !== "ENOTDIR") throw error;
      // The Python seed leaves a plain file at this path (its fcntl side file). It is not a lock.
      if (await removeIfPlainFile(lockfilePath)) continue;
      if (Date.now() >= deadline) throw new LockTimeoutError(file, options.timeoutMs / 1000);
      await sleep(Math.min(retryMs * (0.5 + Math.random()), deadline - Date.now()));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }
}

async function removeIfPlainFile(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isFile()) return false;
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true; // gone meanwhile: try again at once
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
