/**
 * The floor: what any durable replace of a file this size costs on this disk, with
 * nothing else around it. Temp file written, fsynced and closed, renamed over the
 * target, then the directory fsynced, with synchronous calls so no event loop or
 * thread pool hop is counted. No store can commit a state change for less.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export function durableReplaceMs(directory, content) {
  const target = join(directory, "floor.json");
  const temp = `${target}.tmp`;
  const start = performance.now();
  const fd = openSync(temp, "w", 0o644);
  try {
    let offset = 0;
    while (offset < content.length) offset += writeSync(fd, content, offset, content.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  const dirFd = openSync(directory, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return performance.now() - start;
}

/** Content of the given size, JSON-like so the file system sees what a state file looks like. */
export function contentOfSize(bytes) {
  const line = Buffer.from('    "floor_00000000": {"status": "pending", "data": {}},\n');
  const out = Buffer.alloc(bytes);
  for (let offset = 0; offset < bytes; offset += line.length) line.copy(out, offset, 0, Math.min(line.length, bytes - offset));
  return out;
}

export function removeFloorFile(directory) {
  rmSync(join(directory, "floor.json"), { force: true });
}
