/**
 * Timing and CPU measurement shared by the runner and its child processes.
 *
 * - Client CPU: process.cpuUsage() of each worker process, user + system, around the timed part.
 * - PostgreSQL server CPU, two ways, from /proc/<pid>/stat read before and after the timed part:
 *   ownServerCpu (the table's figure): the backends of the drain's own connections (found in
 *   pg_stat_activity) plus the server's background processes; postgresCpuMs (in latest.json as
 *   server_all_cpu_us_per_job): every process on this machine whose name starts with "postgres",
 *   utime + stime + cutime + cstime (cutime/cstime: the postmaster's reaped children, so a backend
 *   that ends between the readings still counts) — other clients of the server included.
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

/** CPU ticks (utime + stime) of each given pid now; a pid that has ended is left out. */
export function cpuTicksOf(pids) {
  const out = new Map();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // ended
    }
  }
  return out;
}

/**
 * The server CPU of one system's drain alone: the backends that connected after `before` (the
 * drain processes' own connections, found in pg_stat_activity before they disconnect) plus the
 * server's background processes (WAL writer, checkpointer, background writer, autovacuum — they
 * flush and clean up after every client, so other clients of the server still add a little).
 * Usage: const probe = await ownServerCpu(client) before the workers start; probe.go() at the
 * start; await probe.stop() at the end, before the workers disconnect → ms, or null without /proc.
 */
export async function ownServerCpu(client) {
  if (!existsSync("/proc/self/stat")) return { go() {}, stop: async () => null };
  const list = async () => (await client.query("SELECT pid, backend_type FROM pg_stat_activity")).rows;
  const before = new Set((await list()).filter((r) => r.backend_type === "client backend").map((r) => r.pid));
  let atGo = null;
  return {
    go() {
      // Everything there now; a backend that appears later started from 0.
      atGo = cpuTicksOf(readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number));
    },
    async stop() {
      const rows = await list();
      const mine = rows.filter((r) => (r.backend_type === "client backend" ? !before.has(r.pid) : r.backend_type !== "walsender")).map((r) => r.pid);
      const now = cpuTicksOf(mine);
      let ticks = 0;
      for (const [pid, t] of now) ticks += t - (atGo.get(pid) ?? 0);
      return ticks * 10;
    },
  };
}
