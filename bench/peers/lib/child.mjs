/**
 * One worker process of the benchmark, forked by run.mjs (see lib/scenario.mjs). argv:
 * <adapter name> <JSON target> <role: fill|drain> <loops>. It connects first (not timed), says
 * {ready}, waits for "go", then
 * - fill: creates the N jobs (N comes with "go") through the adapter's bulk call, timed here;
 * - drain: runs `loops` concurrent claim→complete loops until the queue is empty;
 * and answers {ms, cpuUs, keys} — keys are the payload numbers of the jobs this process completed,
 * for the exactly-once check. It keeps its connections until told "exit", so the PostgreSQL
 * server's CPU for its backends is read while they are still there.
 */
import { cpuSince, now } from "./measure.mjs";

const [name, targetJson, role, loopsArg] = process.argv.slice(2);
const adapter = (await import(`../adapters/${name}.mjs`)).default;
const target = JSON.parse(targetJson);
const loops = Number(loopsArg);

const next = () => new Promise((resolve) => process.once("message", resolve));

try {
  const client = await adapter.connect(target, { loops, role });
  process.send({ ready: true });
  const go = await next();
  const cpu = process.cpuUsage();
  const start = now();
  let keys = [];
  if (role === "fill") await client.fill(go.jobs);
  else keys = await client.drain(loops);
  const ms = now() - start;
  const cpuUs = cpuSince(cpu);
  process.send({ ms, cpuUs, keys });
  await next(); // "exit"
  await client.close();
  process.exit(0);
} catch (error) {
  process.send({ error: error?.stack ?? String(error) });
  process.exit(1);
}
