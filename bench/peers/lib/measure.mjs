/**
 * Timing and CPU measurement shared by the runner and its child processes.
 *
 * - Client CPU: process.cpuUsage() of each worker process, user + system, around the timed part.
 * - PostgreSQL server CPU: the sum, over every process on this machine whose name starts with
 *   "postgres", of utime + stime + cutime + cstime from /proc/<pid>/stat, read before and after the
 *   timed part. cutime/cstime are the postmaster's reaped children, so a backend that ends between
 *   the two readings is still counted; other clients of the same server add noise.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

export const now = () => performance.now();

/** Client CPU time (µs) since `start` (a process.cpuUsage() value), user + system. */
export function cpuSince(start) {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** CPU time (ms) used so far by the PostgreSQL server's processes on this machine; null without /proc. */
export function postgresCpuMs() {
  if (!existsSync("/proc/self/stat")) return null;
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).startsWith("postgres")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[11..14]: utime, stime, cutime, cstime (in clock ticks)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

export function median(values) {
  const xs = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}
