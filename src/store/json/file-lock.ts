/**
 * An exclusive lock on a state file, shared by every process on the machine: the
 * directory `<file>.lock`, holding one file named by its owner's token.
 *
 * - Taking it: a staging directory with the token inside is renamed to `<file>.lock`.
 *   rename fails while a lock (a non-empty directory) is there, so the lock appears
 *   atomically, token and all, and at most one process holds it.
 * - Taking over: a lock whose mtime is older than `staleMs` belongs to a dead process
 *   (its holder touches it every `updateMs`). It is removed by unlinking the token seen
 *   and then rmdir, which fails on a non-empty directory: a taker can only ever remove
 *   the dead lock it judged, never a new owner's that replaced it meanwhile. A lock whose
 *   token names a live process on this machine is left for much longer (a stall, not a
 *   death: taking it would let two writers in).
 * - Writing: before its rename, a writer checks that its token is still in the lock and
 *   the lock fresh (`assertHeld`), so a holder that stalled and lost the lock never writes.
 */
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LockCompromisedError, LockTimeoutError } from "../../core/errors.js";
import { isRunningProcess } from "./process-alive.js";

export interface FileLockOptions {
  /** Give up with LOCK_TIMEOUT after this long; 0 makes one attempt. */
  timeoutMs: number;
  /** A lock untouched for this long belongs to a dead process and is taken over. */
  staleMs: number;
  /** How often the holder touches the lock to show it is alive. */
  updateMs: number;
}

export const DEFAULT_LOCK_STALE_MS = 4_000;
export const DEFAULT_LOCK_UPDATE_MS = 1_000;
/** A lock whose holder is running on this machine is taken over only after this long untouched (it hangs, or its pid was reused). */
const LIVE_HOLDER_STALE_MS = 30_000;
/** A staging directory older than this gets a fresh mtime before it becomes the lock. */
const FRESH_MS = 100;
const FIRST_RETRY_MS = 1;
const MAX_RETRY_MS = 20;

export interface HeldLock {
  /** True when getting this lock meant removing one left by a dead process. */
  readonly tookOverStaleLock: boolean;
  /** How long getting the lock took. */
  readonly waitedMs: number;
  /** Throws LOCK_COMPROMISED unless the lock is still ours and fresh enough to write under. */
  assertHeld(): void;
  /** Lets go of the lock if it is still ours; never removes a lock someone else took over. */
  release(): void;
}

export function lockPathFor(file: string): string {
  return `${file}.lock`;
}

/** `owner-<pid>-<random>`: the pid tells a waiter whether the holder is alive; the random part makes it this acquisition's own. */
const TOKEN = /^owner-(\d+)-[0-9a-f]+$/;

/** The pid a token or a staging directory's name carries, or NaN. */
export function ownerPidOf(name: string): number {
  return Number(TOKEN.exec(name)?.[1]);
}

export async function acquireFileLock(file: string, options: FileLockOptions): Promise<HeldLock> {
  const started = Date.now();
  const lockPath = lockPathFor(file);
  const token = `owner-${process.pid}-${randomBytes(6).toString("hex")}`;
  const staging = `${lockPath}.${token}.tmp`;
  let tookOver = false;
  let retryMs = FIRST_RETRY_MS;
  let stagedAt = 0;
  try {
    for (;;) {
      // The lock's mtime says its holder is alive: it must not arrive looking old after a long wait.
      // A staging directory found gone was swept by a holder that could not tell this process is alive.
      if (Date.now() - stagedAt > FRESH_MS) {
        if (!stage(staging, token)) continue;
        stagedAt = Date.now();
      }
      const renamed = tryRename(staging, lockPath);
      if (renamed === "taken") {
        if (existsSync(join(lockPath, token))) return holding(file, lockPath, token, options, tookOver, Date.now() - started);
        // Swept half way (its token gone, not yet the directory): an empty lock is nobody's, take it away and stage again.
        ignoring(["ENOENT", "ENOTEMPTY"], () => rmdirSync(lockPath));
        stagedAt = 0;
        continue;
      }
      if (renamed === "no staging") {
        stagedAt = 0;
        continue;
      }
      if (removeIfNotADirectory(lockPath)) continue;
      if (removeIfStale(lockPath, options.staleMs)) {
        tookOver = true;
        continue;
      }
      const left = started + options.timeoutMs - Date.now();
      if (left <= 0) throw new LockTimeoutError(file, options.timeoutMs / 1000);
      // Sleep with jitter rather than watch for the release: contention lasts milliseconds.
      await sleep(Math.min(retryMs * (0.5 + Math.random()), left));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  } catch (error) {
    removeStaging(staging, token);
    throw error;
  }
}

function holding(file: string, lockPath: string, token: string, options: FileLockOptions, tookOverStaleLock: boolean, waitedMs: number): HeldLock {
  const tokenPath = join(lockPath, token);
  // Freshness only moves forward; a lock taken over is left alone.
  const refresh = setInterval(() => {
    if (!existsSync(tokenPath)) return;
    const now = new Date();
    ignoring(["ENOENT"], () => utimesSync(lockPath, now, now));
  }, options.updateMs);
  refresh.unref();
  let released = false;
  return {
    tookOverStaleLock,
    waitedMs,
    assertHeld() {
      if (released || !existsSync(tokenPath)) throw new LockCompromisedError(file, new Error("another process took the lock over"));
      // A lock near the stale threshold could be taken over before the rename that follows
      // this check lands; keep a quarter of the threshold in hand.
      const age = Date.now() - lstatSync(lockPath).mtimeMs;
      if (age > options.staleMs * 0.75) throw new LockCompromisedError(file, new Error(`the lock was last refreshed ${Math.round(age)} ms ago`));
    },
    release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      // Only our own token is removed; if the lock is someone else's now, rmdir finds it not empty.
      // Never throws: the change is done, and a lock that could not be removed goes stale.
      try {
        unlinkSync(tokenPath);
        rmdirSync(lockPath);
      } catch {
        // taken over, or the directory cannot be changed: left to go stale
      }
    },
  };
}

/**
 * Makes the staging directory, the lock-to-be, with the token already inside, or gives it
 * a fresh mtime if it is there; false if it was swept away meanwhile (try again).
 */
function stage(staging: string, token: string): boolean {
  const now = new Date();
  if (ignoring(["ENOENT"], () => utimesSync(staging, now, now)) && existsSync(join(staging, token))) return true;
  ignoring(["EEXIST"], () => mkdirSync(staging));
  return ignoring(["EEXIST", "ENOENT"], () => writeFileSync(join(staging, token), `${process.pid}\n`, { flag: "wx" })) || existsSync(join(staging, token));
}

/** Renames the staging directory into place as the lock: "taken", or why not. */
function tryRename(staging: string, lockPath: string): "taken" | "held" | "no staging" {
  try {
    renameSync(staging, lockPath);
    return "taken";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") return "held";
    if (code === "ENOENT" && !existsSync(staging)) return "no staging";
    throw error;
  }
}

/**
 * Something other than a directory at the lock path is not a lock: the Python seed leaves
 * a plain file there (its fcntl side file). Removed, as unlink removes a link, not its target.
 */
function removeIfNotADirectory(lockPath: string): boolean {
  const stats = lstatSync(lockPath, { throwIfNoEntry: false });
  if (stats === undefined) return true;
  if (stats.isDirectory()) return false;
  // EISDIR, EPERM: a lock has taken its place meanwhile.
  return ignoring(["ENOENT", "EISDIR", "EPERM"], () => unlinkSync(lockPath));
}

/**
 * Removes the lock if its holder is dead; true when it is gone (or was gone already).
 * The entries are read before the age: a lock only ever gives way to a newer one, so the
 * tokens read belong to the lock judged stale, or to an older one, never to a newer one.
 */
function removeIfStale(lockPath: string, staleMs: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  const stats = lstatSync(lockPath, { throwIfNoEntry: false });
  if (stats === undefined) return true;
  // A time far ahead means the clock was set back since it was touched: it says nothing of its holder.
  const age = Math.abs(Date.now() - stats.mtimeMs);
  if (age < staleMs) return false;
  if (age < LIVE_HOLDER_STALE_MS && entries.some((entry) => isOtherLiveProcess(ownerPidOf(entry)))) return false;
  for (const entry of entries) rmSync(join(lockPath, entry), { recursive: true, force: true });
  // ENOTEMPTY: a new owner's lock is there now, with its own token; it stays.
  return ignoring(["ENOENT", "ENOTEMPTY"], () => rmdirSync(lockPath)) || !existsSync(lockPath);
}

function removeStaging(staging: string, token: string): void {
  ignoring(["ENOENT"], () => unlinkSync(join(staging, token)));
  ignoring(["ENOENT", "ENOTEMPTY"], () => rmdirSync(staging));
}

/** Whether a pid names a running process other than this one (on this machine, in this pid namespace). */
export function isOtherLiveProcess(pid: number): boolean {
  return pid !== process.pid && isRunningProcess(pid);
}

/** Runs `call`; true if it ran, false if it failed with one of `codes` (anything else is thrown). */
function ignoring(codes: readonly string[], call: () => void): boolean {
  try {
    call();
    return true;
  } catch (error) {
    if (codes.includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
