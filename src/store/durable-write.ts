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

export async function writeFileDurably(file: string, content: Buffer): Promise<void> {
  const existing = statSync(file, { throwIfNoEntry: false });
  writes = (writes + 1) % 1_000_000;
  const temp = `${file}.${process.pid}${String(writes).padStart(6, "0")}`;
  let fd: number | null = openSync(temp, "wx", existing ? existing.mode & 0o7777 : 0o666);
  try {
    if (existing) {
      // The state file keeps the mode and owner someone gave it (open's mode is cut by the umask).
      fchmodSync(fd, existing.mode & 0o7777);
      if (process.geteuid?.() === 0 && (existing.uid !== 0 || existing.gid !== process.getegid?.())) fchownSync(fd, existing.uid, existing.gid);
    }
    for (let written = 0; written < content.length; ) written += writeSync(fd, content, written, content.length - written);
    await fsyncAsync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, file);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  await fsyncDirectory(dirname(file));
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
