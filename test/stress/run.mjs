#!/usr/bin/env node
// Longer reliability runs than the test suite affords, printing their figures.
//   npm run stress -- [--rounds 200] [--lanes 4] [--processes 12] [--tasks 3000]
// 1. Crash rounds: per lane, a survivor and a victim per round killed with SIGKILL at a
//    random moment; after each kill the state file must validate and hold every
//    acknowledged call. Reports kills while holding the lock / mid-write, and how long
//    the survivors took to get going again.
// 2. Load: N processes mix create, claim, complete, release and summary over T tasks;
//    every task must be completed exactly once.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { TaskManager } from "../../dist/index.js";
import { parseWhole } from "../../dist/store/json/layout.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "200" },
    lanes: { type: "string", default: "4" },
    processes: { type: "string", default: "12" },
    tasks: { type: "string", default: "3000" },
  },
});
const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const LOCK_STALE_MS = 2000;

function startWorker(script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const worker = { child, acks: [], waiters: [] };
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop();
    for (const line of lines) if (line) worker.acks.push(JSON.parse(line));
    worker.waiters = worker.waiters.filter((w) => (worker.acks.length >= w.n ? (w.resolve(), false) : true));
  });
  worker.closed = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  worker.next = (n = 1) => new Promise((resolve) => worker.waiters.push({ n: worker.acks.length + n, resolve }));
  return worker;
}

function check(state, acks) {
  for (const ack of acks) {
    const task = state.tasks[ack.id];
    if (!task) throw new Error(`acknowledged ${ack.op} of ${ack.id} is missing`);
    if (ack.op === "complete" && task.status !== "completed") throw new Error(`acknowledged completion of ${ack.id} is lost`);
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function crashLane(dir, lane, rounds, figures) {
  const file = join(dir, `lane${lane}.json`);
  const survivor = startWorker(fixture("crash-worker.mjs"), [file, `survivor-${lane}`, String(LOCK_STALE_MS)]);
  const all = [survivor.acks];
  await survivor.next();
  for (let round = 0; round < rounds; round++) {
    const victim = startWorker(fixture("crash-worker.mjs"), [file, `victim-${lane}-${round}`, String(LOCK_STALE_MS)]);
    all.push(victim.acks);
    await victim.next();
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    const pid = victim.child.pid;
    victim.child.kill("SIGKILL");
    await victim.closed;
    const killedAt = performance.now();
    const lockEntries = (() => { try { return readdirSync(`${file}.lock`); } catch { return []; } })();
    const holding = lockEntries.some((entry) => entry.includes(`-${pid}-`));
    if (holding) figures.killsHoldingLock += 1;
    if (readdirSync(dir).some((entry) => entry.startsWith(`lane${lane}.json.owner-${pid}-`))) figures.killsMidWrite += 1;
    check(parseWhole(file, readFileSync(file)), all.flat());
    figures.rounds += 1;
    await survivor.next();
    if (holding) figures.recoveryMs.push(performance.now() - killedAt);
  }
  survivor.child.stdin.end();
  await survivor.closed;
  const state = parseWhole(file, readFileSync(file));
  check(state, all.flat());
  figures.acksVerified += all.flat().length;
  // Exactly once: one task per create of the survivor's, and every claim of its completed.
  const survivorId = `survivor-${lane}`;
  const tasks = Object.values(state.tasks);
  const creates = survivor.acks.filter((ack) => ack.op === "create").length;
  const made = tasks.filter((task) => task.data.by === survivorId).length;
  if (made !== creates) throw new Error(`lane ${lane}: the survivor acknowledged ${creates} creates but made ${made} tasks`);
  const held = tasks.filter((task) => task.status === "in_progress" && task.locked_by === survivorId).length;
  if (held > 0) throw new Error(`lane ${lane}: the survivor still holds ${held} tasks: a claim applied twice`);
  // Nothing but the state file: dead writers' temp files and dead waiters' staging directories were swept.
  const leftovers = readdirSync(dir).filter((entry) => entry.startsWith(`lane${lane}.json`) && entry !== `lane${lane}.json`);
  if (leftovers.length > 0) throw new Error(`leftovers after lane ${lane}: ${leftovers.join(", ")}`);
}

async function crashRounds(rounds, lanes) {
  const dir = mkdtempSync(join(tmpdir(), "tm-stress-crash-"));
  const figures = { rounds: 0, killsHoldingLock: 0, killsMidWrite: 0, acksVerified: 0, recoveryMs: [] };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: lanes }, (_, lane) => crashLane(dir, lane, Math.ceil(rounds / lanes), figures)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const recovery = figures.recoveryMs.sort((a, b) => a - b);
  console.log(`crash: ${figures.rounds} SIGKILLs in ${lanes} lanes, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  killed holding the lock: ${figures.killsHoldingLock}; a temp file on disk right after the kill (killed mid-write): ${figures.killsMidWrite}`);
  console.log(`  acknowledged calls verified present: ${figures.acksVerified}; lost: 0; corrupt files: 0`);
  console.log(`  survivors going again after a dead holder's lock: median ${percentile(recovery, 50).toFixed(0)} ms, max ${percentile(recovery, 100).toFixed(0)} ms (stale threshold ${LOCK_STALE_MS} ms)`);
}

async function load(processes, tasks) {
  const dir = mkdtempSync(join(tmpdir(), "tm-stress-load-"));
  const file = join(dir, "load.json");
  const started = performance.now();
  try {
    const quota = Math.ceil(tasks / processes);
    const total = quota * processes;
    const results = await Promise.all(
      Array.from({ length: processes }, (_, i) => new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [fixture("load-worker.mjs"), file, `agent-${i}`, String(quota), String(total)], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk) => (out += chunk));
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${i} exited ${code}`))));
      })),
    );
    const created = results.flatMap((r) => r.created);
    const completed = results.flatMap((r) => r.completed);
    const released = results.flatMap((r) => r.released).length;
    const summary = await new TaskManager({ stateFile: file }).getStatusSummary();
    const exactlyOnce = new Set(created).size === total && completed.length === total && new Set(completed).size === total && summary.status_counts.completed === total;
    const seconds = (performance.now() - started) / 1000;
    console.log(`load: ${processes} processes, ${total} tasks, ${released} releases, ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} tasks/s end to end)`);
    console.log(`  every task completed exactly once: ${exactlyOnce}; summary ${JSON.stringify(summary.status_counts)}`);
    if (!exactlyOnce) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await crashRounds(Number(values.rounds), Number(values.lanes));
await load(Number(values.processes), Number(values.tasks));
