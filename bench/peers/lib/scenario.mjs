/**
 * One measured case: a fresh queue (adapter.setup), N jobs created by one process (timed: the
 * fill), then `processes` worker processes of `loops` loops each drain it (timed from "go" to the
 * last process's answer), then the checks: every payload 0..N-1 completed exactly once by the
 * workers, and the database agrees (nothing left, nothing claimed twice where the system records
 * it). The queue is dropped after (adapter.teardown).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { now, ownServerCpu, postgresCpuMs } from "./measure.mjs";

const childPath = fileURLToPath(new URL("./child.mjs", import.meta.url));
const TIMEOUT_MS = 15 * 60_000;

function startChild(adapter, target, role, loops) {
  const proc = fork(childPath, [adapter.name, JSON.stringify(target), role, String(loops)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue = [];
  const waiters = [];
  let exited = null;
  const exit = new Promise((resolve) => proc.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const deliver = (message) => (waiters.length ? waiters.shift().resolve(message) : queue.push(message));
  proc.on("message", deliver);
  proc.once("exit", () => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${adapter.name} ${role} process exited (${exited?.code ?? exited?.signal})`));
  });
  return {
    proc,
    exit,
    async next() {
      const message =
        queue.length > 0
          ? queue.shift()
          : await new Promise((resolve, reject) => {
              if (exited) return reject(new Error(`${adapter.name} ${role} process exited (${exited.code ?? exited.signal})`));
              const timer = setTimeout(() => reject(new Error(`${adapter.name} ${role}: no answer in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
              waiters.push({ resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) });
            });
      if (message?.error) throw new Error(`${adapter.name} ${role} process failed:\n${message.error}`);
      return message;
    },
    send: (message) => proc.send(message),
    kill: () => proc.exitCode === null && proc.kill("SIGKILL"),
  };
}

export async function runCase(adapter, { jobs, processes, loops, url, scratch }) {
  const target = await adapter.setup({ url, scratch });
  const children = [];
  let probeClient = null;
  let probe = null;
  try {
    // Fill: one process, one bulk-create loop.
    const filler = startChild(adapter, target, "fill", 1);
    children.push(filler);
    await filler.next();
    filler.send({ jobs });
    const fill = await filler.next();
    filler.send("exit");
    await filler.exit;

    // Drain: `processes` processes × `loops` loops, all connected before the clock starts.
    if (adapter.database === "postgresql") {
      probeClient = new pg.Client({ connectionString: url });
      await probeClient.connect();
      probe = await ownServerCpu(probeClient); // notes the backends there before the workers connect
    }
    const workers = Array.from({ length: processes }, () => startChild(adapter, target, "drain", loops));
    children.push(...workers);
    await Promise.all(workers.map((w) => w.next()));
    const serverBefore = probe ? postgresCpuMs() : null;
    probe?.go();
    const start = now();
    for (const w of workers) w.send({ go: true });
    const results = await Promise.all(workers.map((w) => w.next()));
    const drainMs = now() - start;
    const serverAfter = probe ? postgresCpuMs() : null;
    const ownServerMs = probe ? await probe.stop() : null; // the workers are still connected
    for (const w of workers) w.send("exit");
    await Promise.all(workers.map((w) => w.exit));

    // Exactly once, as the workers saw it ...
    const seen = new Uint8Array(jobs);
    let completedByWorkers = 0;
    let duplicates = 0;
    let outOfRange = 0;
    for (const r of results)
      for (const key of r.keys) {
        completedByWorkers += 1;
        if (!(key >= 0 && key < jobs)) outOfRange += 1;
        else if (seen[key]++) duplicates += 1;
      }
    const missing = seen.reduce((n, s) => n + (s === 0 ? 1 : 0), 0);
    // ... and as the database has it.
    const db = await adapter.verify(target, jobs);
    const exactlyOnce =
      completedByWorkers === jobs && duplicates === 0 && missing === 0 && outOfRange === 0 && db.left_over === 0 && (db.completed === null || db.completed === jobs) && !db.reclaimed;

    const clientCpuUs = results.reduce((sum, r) => sum + r.cpuUs, 0);
    return {
      jobs,
      processes,
      loops,
      fill_ms: fill.ms,
      fill_jobs_s: jobs / (fill.ms / 1000),
      fill_client_cpu_us_per_job: fill.cpuUs / jobs,
      drain_ms: drainMs,
      drain_jobs_s: completedByWorkers / (drainMs / 1000),
      client_cpu_us_per_job: clientCpuUs / completedByWorkers,
      // The server's CPU: its backends for this drain's connections plus its background processes ...
      server_cpu_us_per_job: ownServerMs === null ? null : (ownServerMs * 1000) / completedByWorkers,
      // ... and every postgres process on the machine (other clients of the server included).
      server_all_cpu_us_per_job: serverBefore === null ? null : ((serverAfter - serverBefore) * 1000) / completedByWorkers,
      completed_by_workers: completedByWorkers,
      duplicates,
      missing,
      db,
      exactly_once: exactlyOnce,
    };
  } finally {
    for (const c of children) c.kill();
    await probeClient?.end().catch(() => {});
    await adapter.teardown(target).catch((error) => console.error(`teardown of ${adapter.name} failed: ${error.message}`));
  }
}
