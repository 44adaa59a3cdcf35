/**
 * An exclusive lock on a state file, shared by every process on the machine:
 * proper-lockfile's directory `<file>.lock`, with three things added.
 *
 * 1. Our own retry loop instead of proper-lockfile's `retries`, which rebuilds an
 *    array of every timeout on each call and backs off to seconds; agents contend
 *    for milliseconds, so we poll briefly with jitter and give up exactly at the
 *    caller's timeout with LOCK_TIMEOUT.
 * 2. An owner token inside the lock directory. proper-lockfile takes over a stale
 *    lock by rmdir + mkdir, so two processes that both judged the same dead lock
 *    stale can both "acquire" it (proper-lockfile issue #121), and a holder whose
 *    event loop stalled past the stale threshold does not learn it lost the lock
 *    until its next refresh. We hand proper-lockfile an `fs` whose mkdir builds the
 *    directory elsewhere with a unique token file in it and renames it into place,
 *    so the token exists exactly as long as *our* directory is the lock. Before
 *    writing, a holder checks its token is still there and its lock is fresh
 *    (`assertHeld`); a holder who lost the lock never writes and never removes the
 *    lock of whoever took it over.
 * 3. `onCompromised` records the loss instead of throwing from a timer (the
 *    default kills the process).
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { lstat, readdir, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import lockfile from "proper-lockfile";
import { isRunningProcess } from "./process-alive.js";
import { LockCompromisedError, LockTimeoutError } from "../core/errors.js";

export interface FileLockOptions {
  /** Give up with LOCK_TIMEOUT after this long. */
  timeoutMs: number;
  /** A lock untouched for this long belongs to a dead or stalled process and is taken over (at least 2000). */
  staleMs: number;
  /** How often the holder touches the lock to show it is alive (proper-lockfile's `update`, at least 1000). */
  updateMs: number;
}

export const DEFAULT_LOCK_STALE_MS = 4_000;
export const DEFAULT_LOCK_UPDATE_MS = 1_000;

export interface HeldLock {
  /** True when getting this lock meant removing one left by a dead or stalled process. */
  readonly tookOverStaleLock: boolean;
  /** How long getting the lock took, for reporting long waits. */
  readonly waitedMs: number;
  /**
   * Throws LOCK_COMPROMISED unless the lock is still ours and fresh enough that
   * nobody can take it over before a write that starts now has finished.
   */
  assertHeld(): Promise<void>;
  /**
   * Releases the lock if it is still ours; never removes a lock someone else took over.
   * Only the first call does anything.
   */
  release(): Promise<void>;
}

const FIRST_RETRY_MS = 1;
const MAX_RETRY_MS = 20;
const TOKEN_PREFIX = "owner-";
/**
 * How long a lock whose holder is still running on this machine may go unrefreshed
 * before it is taken over anyway (the holder hangs, or its pid was reused).
 */
const LIVE_HOLDER_STALE_MIN_MS = 30_000;
/** A staging directory older than this gets its mtime set to now before it becomes the lock. */
const STAGING_FRESH_MS = 100;

/** `<file>.lock` is the lock; `<file>.lock.<token>.tmp` are the staging directories. */
const LOCK_NAME = "lock";

export function lockPathFor(file: string): string {
  return `${file}.${LOCK_NAME}`;
}

/**
 * Takes the lock, waiting up to `timeoutMs`. `keepStaging`: after failing, keep this
 * process's staging directory for its next attempt (an attempt that does not wait fails
 * often, and making the directory again costs more than the attempt).
 */
export async function acquireFileLock(file: string, options: FileLockOptions, keepStaging = false): Promise<HeldLock> {
  const lockPath = lockPathFor(file);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let retryMs = FIRST_RETRY_MS;
  // Sleeping, not woken the moment the lock is released: a process that just released it
  // usually takes it again for its next call, which needs no re-read of the file. Waking
  // every waiter on each release (tried, with inotify) handed the lock round on every call,
  // and each holder then read what the others had written: the drain benchmark at 1,000
  // tasks and 4 processes went from 5.9x the seed to 3.2x.
  const backOff = async (): Promise<void> => {
    if (Date.now() >= deadline) throw new LockTimeoutError(file, options.timeoutMs / 1000);
    await sleep(Math.min(retryMs * (0.5 + Math.random()), deadline - Date.now()));
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };
  // One owner for all the attempts: its staging directory, with its token in it, is made
  // once, so each attempt (and the winning one, on the critical path) is a single rename.
  const owner = takeOwner(lockPath);
  owner.begin(Math.max(LIVE_HOLDER_STALE_MIN_MS, options.staleMs * 10));
  try {
    return await acquireWithBackOff(file, lockPath, options, started, owner, backOff);
  } finally {
    if (!owner.acquired) {
      if (keepStaging) owner.keepForNext();
      else owner.discardStaging();
    }
  }
}

async function acquireWithBackOff(
  file: string,
  lockPath: string,
  options: FileLockOptions,
  started: number,
  owner: LockOwner,
  backOff: () => Promise<void>,
): Promise<HeldLock> {
  for (;;) {
    // A fresh lock is there: one lstat says so, where an attempt would fail a rename and
    // proper-lockfile stat the lock to tell whether it is stale.
    if (isFreshLock(lockPath, options.staleMs)) {
      await backOff();
      continue;
    }
    let compromisedBy: Error | undefined;
    try {
      const release = await lockfile.lock(file, {
        lockfilePath: lockPath,
        realpath: false,
        retries: 0,
        stale: options.staleMs,
        update: options.updateMs,
        fs: owner.fs,
        onCompromised: (error) => {
          compromisedBy = error;
        },
      });
      owner.acquired = true;
      let released = false;
      return {
        tookOverStaleLock: owner.removedStaleLock,
        waitedMs: Date.now() - started,
        async assertHeld() {
          if (compromisedBy) throw new LockCompromisedError(file, compromisedBy);
          const problem = await owner.whyNotHeld(options.staleMs);
          if (problem) throw new LockCompromisedError(file, new Error(problem));
        },
        async release() {
          if (released) return;
          released = true;
          if (compromisedBy || !(await owner.holdsToken())) return; // not ours any more: leave it alone
          await release().catch((error: NodeJS.ErrnoException) => {
            if (error.code !== "ERELEASED") throw error;
          });
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTEMPTY: another process won the lock while we were removing the stale one.
      if (code !== "ELOCKED" && code !== "ENOTDIR" && code !== "ENOTEMPTY") throw error;
      // The Python seed leaves a plain file at this path (its fcntl side file). It is not a lock.
      if (await removeIfPlainFile(lockPath)) continue;
      await backOff();
    }
  }
}

/** One attempt at the lock, without waiting: the lock, or null when someone holds it. */
export async function tryFileLock(file: string, options: FileLockOptions): Promise<HeldLock | null> {
  try {
    return await acquireFileLock(file, { ...options, timeoutMs: 0 }, true);
  } catch (error) {
    if (error instanceof LockTimeoutError) return null;
    throw error;
  }
}

/** Whether someone holds the lock of `file` (its directory is there and refreshed within `staleMs`). */
export function isFileLockHeld(file: string, staleMs: number): boolean {
  return isFreshLock(lockPathFor(file), staleMs);
}

/**
 * Owners whose lock was released cleanly, one per lock path, each kept with its staging
 * directory (token inside) for this process's next acquisition of that lock: under load
 * a call then takes and gives back the lock with one rename each, where making and
 * removing a directory and a file every time waited on the file system's journal
 * (about 0.4 ms a call). A parked owner removes its directory once idle, when its
 * store is closed, and when the process exits; a killed process's is swept.
 */
const parkedOwners = new Map<string, LockOwner>();
const PARKED_OWNER_IDLE_MS = 1_000;
let exitHookInstalled = false;

/** The owner this process keeps for a lock, no longer kept; undefined if there is none. */
function unpark(lockPath: string): LockOwner | undefined {
  const parked = parkedOwners.get(lockPath);
  parkedOwners.delete(lockPath);
  parked?.stopIdleTimer();
  return parked;
}

/** The parked owner of this lock, if this process has one, else a new one. */
function takeOwner(lockPath: string): LockOwner {
  return unpark(lockPath) ?? new LockOwner(lockPath);
}

/** Removes the staging directory this process keeps for the lock of `file`, if any (a store closing). */
export function discardParkedOwner(file: string): void {
  unpark(lockPathFor(file))?.discardStaging();
}

function discardAllParkedOwners(): void {
  for (const lockPath of [...parkedOwners.keys()]) unpark(lockPath)?.discardStaging();
}

/**
 * Acquisitions of one lock, over all their attempts: a token and the fs that
 * proper-lockfile uses for it. One acquisition at a time; the same owner serves this
 * process's next acquisitions of the lock while it is parked in between.
 */
class LockOwner {
  readonly token = `${TOKEN_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`;
  readonly tokenPath: string;
  /** Built with the token inside, then renamed into place as the lock, and back again on release. */
  private readonly stagingPath: string;
  /** Whether the staging directory exists, ready for an attempt. */
  private staged = false;
  /**
   * When the staging directory's mtime was last set: it is at least that recent, since
   * proper-lockfile's refreshes of the lock only move it forward.
   */
  private stagedAt = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private liveHolderStaleMs = LIVE_HOLDER_STALE_MIN_MS;
  acquired = false;
  removedStaleLock = false;
  readonly fs: typeof fs;

  constructor(private readonly lockPath: string) {
    this.tokenPath = join(lockPath, this.token);
    this.stagingPath = `${lockPath}.${this.token}.tmp`;
    this.fs = {
      ...fs,
      mkdir: ((path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
        this.createLockDirectory(path).then(() => callback(null), callback);
      }) as typeof fs.mkdir,
      rmdir: ((path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
        // Before we own the lock, proper-lockfile removes only a stale lock; after, only ours.
        const removal = this.acquired ? this.removeOwnDirectory(path) : this.removeStaleDirectory(path);
        removal.then(() => callback(null), callback);
      }) as typeof fs.rmdir,
      // proper-lockfile's stat (after taking the lock, and in the refresh), without a thread-pool round trip.
      stat: ((path: string, callback: (error: NodeJS.ErrnoException | null, stats?: fs.Stats) => void) => {
        let stats: fs.Stats;
        try {
          stats = fs.statSync(path);
        } catch (error) {
          process.nextTick(callback, error as NodeJS.ErrnoException);
          return;
        }
        process.nextTick(callback, null, stats);
      }) as typeof fs.stat,
      // proper-lockfile's mtime probe after taking the lock: it runs on every acquisition (its
      // cache lives on this fs object, which is new for each), so without a thread-pool round trip.
      utimes: ((path: string, atime: Date, mtime: Date, callback: (error: NodeJS.ErrnoException | null) => void) => {
        try {
          fs.utimesSync(path, atime, mtime);
        } catch (error) {
          process.nextTick(callback, error as NodeJS.ErrnoException);
          return;
        }
        process.nextTick(callback, null);
      }) as typeof fs.utimes,
      // proper-lockfile's exit handler: remove the lock only if it is still ours.
      rmdirSync: ((path: string) => {
        try {
          fs.unlinkSync(this.tokenPath);
          fs.rmdirSync(path);
        } catch {
          // not ours any more, or already gone
        }
      }) as typeof fs.rmdirSync,
    };
  }

  /** Starts an acquisition. */
  begin(liveHolderStaleMs: number): void {
    this.liveHolderStaleMs = liveHolderStaleMs;
    this.acquired = false;
    this.removedStaleLock = false;
  }

  /** Keeps this owner, staging directory made, for the process's next acquisition of the lock. */
  private park(): void {
    if (parkedOwners.has(this.lockPath)) {
      this.discardStaging(); // another owner of this process is kept already
      return;
    }
    parkedOwners.set(this.lockPath, this);
    this.idleTimer = setTimeout(() => unpark(this.lockPath)?.discardStaging(), PARKED_OWNER_IDLE_MS);
    this.idleTimer.unref(); // a parked owner never keeps the process alive
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once("exit", discardAllParkedOwners);
    }
  }

  /** After attempts that did not get the lock: keeps the staging directory, if made, for the next. */
  keepForNext(): void {
    if (this.staged) this.park();
  }

  stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /*
   * Never a recursive rm here: on ENOTEMPTY it would empty and delete a lock that
   * another process has just renamed into place. We remove only the token files we
   * saw, then the directory if it is empty; a non-empty one belongs to a new owner.
   */
  private async removeOwnDirectory(path: string): Promise<void> {
    // Renamed back to the staging name: the lock is free the moment the rename is done,
    // and the directory is ready for this process's next acquisition (see parkedOwners).
    // Removing it instead would free its blocks and inode and wait for the file system's
    // journal, often a millisecond or more just after the fsyncs of a commit. The quick
    // calls run synchronously: a thread-pool round trip costs more than any of them.
    try {
      fs.renameSync(path, this.stagingPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // gone already
      throw error;
    }
    if (!fs.existsSync(join(this.stagingPath, this.token))) {
      // Not ours after all (taken over in the instant since release() checked): put it back.
      // Its holder checks its token before committing, so it never writes without its lock.
      ignoringCodes(() => fs.renameSync(this.stagingPath, path), "ENOENT", "ENOTEMPTY", "EEXIST");
      return;
    }
    this.staged = true;
    this.park();
  }

  private async removeStaleDirectory(path: string): Promise<void> {
    const entries = await readdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    });
    // A lock whose mtime is old but whose holder is a live process on this machine is not
    // dead, only slow (a long fsync on a busy disk delays its refreshes): taking it over
    // would let two writers in. Leave it until it is far past any refresh delay.
    if (entries.some(isLiveHolderToken) && (await lockAgeMs(path)) < this.liveHolderStaleMs) {
      throw Object.assign(new Error(`${path} is held by a live process`), { code: "ELOCKED" });
    }
    this.removedStaleLock = true;
    for (const entry of entries) await unlink(join(path, entry)).catch(ignoreCode("ENOENT"));
    // ENOTEMPTY propagates: a new owner got in first, and the caller retries.
    await fs.promises.rmdir(path).catch(ignoreCode("ENOENT"));
  }

  /**
   * mkdir with the token already inside: the directory is built beside the lock and
   * renamed into place. rename fails if a (non-empty) lock is there, as mkdir would, and
   * then leaves the staging directory as it was, for the next attempt.
   */
  private async createLockDirectory(path: string): Promise<void> {
    if (!this.staged) {
      fs.mkdirSync(this.stagingPath);
      this.staged = true;
      this.stagedAt = Date.now();
      try {
        fs.writeFileSync(join(this.stagingPath, this.token), `${process.pid}\n`);
      } catch (error) {
        this.discardStaging();
        throw error;
      }
    }
    try {
      // A lock's mtime says its holder is alive: a directory staged a while ago (a long wait,
      // or kept from an earlier acquisition) must not arrive looking stale. One taken back
      // within moments, as under load, needs no utimes.
      if (Date.now() - this.stagedAt > STAGING_FRESH_MS) {
        const now = new Date();
        fs.utimesSync(this.stagingPath, now, now);
        this.stagedAt = now.getTime();
      }
      fs.renameSync(this.stagingPath, path);
      this.staged = false; // it is the lock now
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: the staging directory was swept as a dead process's debris; made again next time.
      if (code === "ENOENT") this.staged = false;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") {
        throw Object.assign(new Error(`${path} is locked`), { code: "EEXIST" });
      }
      this.discardStaging();
      throw error;
    }
  }

  /** Removes the staging directory: attempts that did not get the lock, or an owner parked no longer. */
  discardStaging(): void {
    if (!this.staged) return;
    this.staged = false;
    ignoringCodes(() => fs.unlinkSync(join(this.stagingPath, this.token)), "ENOENT");
    ignoringCodes(() => fs.rmdirSync(this.stagingPath), "ENOENT", "ENOTEMPTY");
  }

  async holdsToken(): Promise<boolean> {
    return fs.existsSync(this.tokenPath);
  }

  /** Why committing now would be unsafe, or null when the lock is ours and fresh. */
  async whyNotHeld(staleMs: number): Promise<string | null> {
    if (!(await this.holdsToken())) return "another process took the lock over";
    // The holder refreshes the lock's mtime every second. A lock near the stale threshold
    // could be taken over (by a process that cannot see ours is alive) before the rename
    // that follows this check has finished; keep a quarter of the threshold in hand.
    const age = Date.now() - fs.statSync(this.lockPath).mtimeMs;
    return age > staleMs - staleMs / 4 ? `the lock was last refreshed ${Math.round(age)} ms ago` : null;
  }
}

/**
 * Removes what dead writers of `file` left beside it: write-file-atomic's temp files
 * (`<name>.<number>`) and our lock staging directories. Call only while holding the
 * lock: then no live process is writing either.
 */
export async function sweepLeftovers(file: string): Promise<string[]> {
  const directory = dirname(file);
  const prefix = `${basename(file)}.`; // what every leftover's name starts with
  const removed: string[] = [];
  // One synchronous readdir: this runs before every write, and a thread-pool round trip costs more.
  for (const entry of fs.readdirSync(directory)) {
    if (!entry.startsWith(prefix)) continue;
    const rest = entry.slice(prefix.length);
    const staging = STAGING_LEFTOVER.test(rest);
    if (!staging && !TEMP_FILE_LEFTOVER.test(rest)) continue;
    // A live process's staging directory is its attempt at the lock, under way right now (it
    // fails, since we hold the lock), or kept for its next one: leave it to that process.
    if (staging && isLiveHolderToken(rest.slice(LOCK_NAME.length + 1))) continue;
    await rm(join(directory, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

/** After `<file>.`: a temp file of write-file-atomic or of durable-write.ts. */
const TEMP_FILE_LEFTOVER = /^\d+$/;
/**
 * After `<file>.`: a staging directory (an attempt at the lock, or kept for the next one),
 * or a released lock that an earlier version of this module had not removed yet.
 */
const STAGING_LEFTOVER = new RegExp(`^${LOCK_NAME}\\.${TOKEN_PREFIX}[\\w-]+\\.(tmp|released)$`);

/** A lock directory is at `path`, refreshed within the stale threshold: someone holds it. */
function isFreshLock(path: string, staleMs: number): boolean {
  const stats = fs.lstatSync(path, { throwIfNoEntry: false });
  return stats !== undefined && stats.isDirectory() && Date.now() - stats.mtimeMs < staleMs;
}

function ignoringCodes(call: () => void, ...codes: string[]): void {
  try {
    call();
  } catch (error) {
    if (!codes.includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
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

/** Whether a token names another process that is running (on this machine, in this pid namespace). */
function isLiveHolderToken(token: string): boolean {
  const pid = Number(/^owner-(\d+)-/.exec(token)?.[1]);
  return pid !== process.pid && isRunningProcess(pid);
}

async function lockAgeMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function ignoreCode(...codes: string[]): (error: NodeJS.ErrnoException) => void {
  return (error) => {
    if (!codes.includes(error.code ?? "")) throw error;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
