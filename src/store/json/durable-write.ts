/**
 * Replaces a file so that a reader sees the old or the new content, never a mix, and a
 * replacement that returned survives a power loss: a temp file beside it is written,
 * fsynced and renamed over it, then the directory is fsynced, without which the rename
 * itself could be lost. The temp file is created exclusively (O_EXCL), so a link planted
 * at its name is never followed, and rename replaces a link at the file's path rather
 * than writing through it: nothing outside the directory is ever written.
 *
 * Everything that can fail for want of a resource (a descriptor, space) happens before
 * the rename: once it is done, the change is made, and only the directory's fsync is left.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fchownSync, fsync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { tempFileFor } from "./leftovers.js";

/**
 * Replaces `file` with `content`. `beforeRename` runs after the slow fsync, right before
 * the rename commits the content; if it throws, nothing changes. Returns whether the
 * directory's fsync succeeded: if not, the change is made, but a power loss could undo it.
 */
export async function replaceFileDurably(file: string, content: Buffer, beforeRename: () => void = () => {}): Promise<boolean> {
  const existing = lstatSync(file, { throwIfNoEntry: false });
  const keepMode = existing?.isFile() === true;
  const temp = tempFileFor(file, `owner-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fd = openSync(temp, "wx", keepMode ? existing.mode & 0o7777 : 0o666);
  let directory: number | null = null;
  try {
    if (keepMode) {
      // The state file keeps the mode and owner someone gave it (open's mode is cut by the umask).
      fchmodSync(fd, existing.mode & 0o7777);
      if (process.geteuid?.() === 0 && (existing.uid !== 0 || existing.gid !== process.getegid?.())) fchownSync(fd, existing.uid, existing.gid);
    }
    for (let written = 0; written < content.length; ) written += writeSync(fd, content, written, content.length - written);
    await fsyncAsync(fd);
    directory = openSync(dirname(file), "r");
    beforeRename();
    renameSync(temp, file);
  } catch (error) {
    if (directory !== null) closeSync(directory);
    try {
      unlinkSync(temp);
    } catch {
      // not there: nothing to clean up
    }
    throw error;
  } finally {
    closeSync(fd);
  }
  try {
    await fsyncAsync(directory);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(directory);
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}
