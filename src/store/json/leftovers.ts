/**
 * What dead processes leave beside a state file: the temp file of a write killed before
 * its rename, and the staging directory of an attempt at the lock killed while waiting.
 * Both are named for their owner (`owner-<pid>-<random>`), so a process holding the lock
 * removes those of owners that are no longer running and leaves the rest alone.
 */
import { readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isOtherLiveProcess, ownerPidOf } from "./file-lock.js";

const SUFFIX = ".tmp";

/** `<file>.owner-<pid>-<random>.tmp`: a temp file of a write in progress (see durable-write.ts). */
export function tempFileFor(file: string, owner: string): string {
  return `${file}.${owner}${SUFFIX}`;
}

/** Removes the leftovers of dead processes beside `file`; call only while holding its lock. */
export function sweepLeftovers(file: string): string[] {
  const directory = dirname(file);
  const prefix = `${basename(file)}.`;
  const removed: string[] = [];
  for (const entry of readdirSync(directory)) {
    if (!entry.startsWith(prefix) || !entry.endsWith(SUFFIX)) continue;
    // `<file>.<owner>.tmp` (a temp file) or `<file>.lock.<owner>.tmp` (a staging directory)
    const owner = entry.slice(prefix.length, -SUFFIX.length).replace(/^lock\./, "");
    const pid = ownerPidOf(owner);
    if (Number.isNaN(pid) || pid === process.pid || isOtherLiveProcess(pid)) continue;
    rmSync(join(directory, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
