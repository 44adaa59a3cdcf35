// One agent process of bench/lib/postgres.mjs, told what to do over IPC (BENCH_ROLE):
// drain: claim and complete until nothing is left, then tell how many and the CPU time it took; wait: wait for a task on demand;
// create: create a task on demand.
import { TaskManager, PostgresStore } from "../../dist/index.js";

const { BENCH_URL: url, BENCH_SCHEMA: schema, BENCH_ROLE: role, BENCH_AGENT: agent = "agent", BENCH_SYNC: synchronousCommit = "on" } = process.env;
const now = () => performance.timeOrigin + performance.now();

if (role === "drain") {
  // BENCH_LOOPS agents in this process, each claiming and completing one task at a time.
  const loops = Number(process.env.BENCH_LOOPS ?? 1);
  const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "drain", poolSize: loops + 1, synchronousCommit }) });
  await tm.getStatusSummary();
  process.send({ ready: true });
  await new Promise((resolve) => process.once("message", resolve));
  const cpu = process.cpuUsage();
  const counts = await Promise.all(
    Array.from({ length: loops }, async (_, i) => {
      const me = `${agent}.${i}`;
      let done = 0;
      for (;;) {
        const task = await tm.getNextTask({ agentId: me });
        if (!task) return done;
        await tm.completeTask({ taskId: task.id, agentId: me, claimToken: task.claim_token, resultData: { ok: true } });
        done += 1;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  process.send({ done: counts.reduce((sum, n) => sum + n, 0), perLoop: counts, cpuMs: (used.user + used.system) / 1000 });
  // Connected until told to go: the bench reads its PostgreSQL backends' CPU time before they end.
  await new Promise((resolve) => process.once("message", resolve));
  await tm.close();
  process.exit(0);
}

const tm = new TaskManager({ store: new PostgresStore({ url, schema, workflow: "wakeup", poolSize: 2, synchronousCommit }) });
await tm.getStatusSummary();
process.send({ ready: true });
process.on("message", async (message) => {
  if (message === "exit") {
    await tm.close();
    process.exit(0);
  }
  if (message === "create") {
    const startedAt = now();
    await tm.createTask({ type: "ping" });
    process.send({ startedAt });
  }
  if (message === "wait") {
    const waiting = tm.getNextTask({ agentId: "waiter", waitMs: 10_000 });
    // Told once the wait has looked and gone to sleep: the claim that found nothing is done.
    setTimeout(() => process.send({ waiting: true }), 30);
    const task = await waiting;
    const at = now();
    if (task) await tm.completeTask({ taskId: task.id, agentId: "waiter", claimToken: task.claim_token });
    process.send({ at, got: task?.id ?? null });
  }
});
