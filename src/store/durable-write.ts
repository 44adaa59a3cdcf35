/**
 * Replace a file so that a reader sees the old or the new content, never a mix,
 * and a write that returned survives a power loss: a temp file beside it is
 * written, fsynced and renamed over it, and then the directory is fsynced, since
 * without that the rename itself could be lost.
 *
 * What write-file-atomic did, without its per-call overhead (a realpath, a stat,
 * a chown and a chmod each time, every step a thread-pool round trip): the quick
 * metadata calls (open, close, rename) run synchronously, taking microseconds; the
 * two fsyncs, which wait for the disk, run on the thread pool, so other work of the
 * process goes on meanwhile. The file keeps its mode and owner, as with
 * write-file-atomic. Temp files are named `<file>.<digits>`, which is what
 * sweepLeftovers (file-lock.ts) removes after a writer died mid-write.
 */
import { closeSync, fchmodSync, fchownSync, fsync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";

let writes = 0;

/** What a caller runs at the two moments of a commit that matter to a lock around it. */
export interface CommitHooks {
  /**
   * Runs after the slow fsync, right before the rename commits the new content; if it
   * throws, nothing is committed and the temp file is removed.
   */
  beforeRename?: (() => Promise<void>) | undefined;
  /**
   * Runs right after the rename, while the directory is being fsynced. From the rename
   * on, any process that reads the file sees the new content, so a lock that serialises
   * writers can be let go here: a writer that commits on top of it fsyncs the directory
   * too, which makes both renames durable, and the call still returns only once its own
   * directory fsync is done. If it throws, the call fails once the fsync has finished.
   */
  afterRename?: (() => Promise<void>) | undefined;
}

export async function writeFileDurably(file: string, content: Buffer, hooks: CommitHooks = {}): Promise<void> {
  closeSync(await replaceFileDurably(file, (fd) => writeAll(fd, content), hooks));
}

/**
 * Replaces `file` with what `fill` writes into the temp file's descriptor, durably,
 * and returns that descriptor, still open for reading and writing: the caller owns
 * it (the state file codec keeps it, so that the inode it names cannot be reused).
 */
export async function replaceFileDurably(file: string, fill: (fd: number) => void, hooks: CommitHooks = {}): Promise<number> {
  const existing = statSync(file, { throwIfNoEntry: false });
  writes = (writes + 1) % 1_000_000;
  const temp = `${file}.${process.pid}${String(writes).padStart(6, "0")}`;
  const fd = openSync(temp, "wx+", existing ? existing.mode & 0o7777 : 0o666);
  try {
    if (existing) {
      // The state file keeps the mode and owner someone gave it (open's mode is cut by the umask).
      fchmodSync(fd, existing.mode & 0o7777);
      if (process.geteuid?.() === 0 && (existing.uid !== 0 || existing.gid !== process.getegid?.())) fchownSync(fd, existing.uid, existing.gid);
    }
    fill(fd);
    await fsyncAsync(fd);
    await hooks.beforeRename?.();
    renameSync(temp, file);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  // The directory fsync goes to the thread pool first, so that afterRename's work overlaps the wait on the disk.
  const [synced, after] = await Promise.allSettled([fsyncDirectory(dirname(file)), Promise.resolve().then(hooks.afterRename)]);
  const failed = [synced, after].find((outcome) => outcome.status === "rejected");
  if (failed) {
    closeSync(fd);
    throw failed.reason;
  }
  return fd;
}

/** Writes all of `content` at the descriptor's position. */
export function writeAll(fd: number, content: Buffer): void {
  for (let written = 0; written < content.length; ) written += writeSync(fd, content, written, content.length - written);
}

export async function fsyncDirectory(directory: string): Promise<void> {
  const fd = openSync(directory, "r");
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}
