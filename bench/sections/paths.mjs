/**
 * What path conflicts cost a claim (issue 19): on each store, a workflow of 1,000 pending
 * tasks without paths against one of 1,000 tasks with paths and 50 active exclusive
 * reservations of another agent, which hold back one task in ten (the first in line among
 * them, so every claim walks past one). Each sample claims the first free task and releases
 * it (the release is not timed), the two workflows taking turns in rounds so that load on
 * the machine falls on both alike. Reports the median and p99 claim time and their ratio, and
 * the claim time among paths when another agent claimed and released a task just before (the
 * PostgreSQL store then cannot claim on what it read last, see postgres/known-verdicts.ts).
 * PATHS_STORES=json,sqlite picks the file stores measured (default both); PostgreSQL is
 * measured whenever a server answers.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { TaskManager } from "../../dist/index.js";
import { DEFAULT_DATABASE_URL } from "../lib/postgres.mjs";
import { scratchDir } from "../lib/paths.mjs";
import { round, roundSummary, summarize } from "../lib/stats.mjs";

export const PATHS_TASKS = 1000;
export const PATHS_RESERVATIONS = 50;
/** The bound: a claim among paths and reservations costs at most this times a plain one. */
export const PATHS_TARGET_RATIO = 1.5;

function tasks(withPaths) {
  return Array.from({ length: PATHS_TASKS }, (_, i) => {
    if (!withPaths) return { type: "edit", data: { i } };
    // One in ten lies under a reserved directory; the rest touch files of their own module.
    const paths = i % 10 === 0 ? [`reserved/r${(i / 10) % PATHS_RESERVATIONS}/f${i}.ts`] : [`src/m${i % 200}/f${i}.ts`, `test/m${i % 200}/**`];
    return { type: "edit", data: { i }, paths };
  });
}

async function prepare(options, withPaths) {
  const tm = new TaskManager(options);
  for (let i = 0; i < PATHS_TASKS; i += 500) await tm.createTasks(tasks(withPaths).slice(i, i + 500));
  if (withPaths) {
    const paths = Array.from({ length: PATHS_RESERVATIONS }, (_, r) => `reserved/r${r}/**`);
    const { granted } = await tm.reservePaths({ agentId: "other-agent", paths, ttlSeconds: 86_400 });
    if (!granted) throw new Error("the bench's reservations were refused");
  }
  return tm;
}

/** Another agent claims and releases a task (untimed): the holds the bench agent read last have changed since. */
async function anotherClaims(tm) {
  const task = await tm.getNextTask({ agentId: "another-agent" });
  if (task) await tm.releaseTask({ taskId: task.id, agentId: "another-agent", claimToken: task.claim_token });
}

async function claimOnce(tm, samples) {
  const start = performance.now();
  const task = await tm.getNextTask({ agentId: "bench" });
  samples.push(performance.now() - start);
  if (!task) throw new Error("no task to claim");
  if (task.paths?.[0]?.startsWith("reserved/")) throw new Error(`claimed ${task.id}, which a reservation holds`);
  await tm.releaseTask({ taskId: task.id, agentId: "bench", claimToken: task.claim_token });
}

async function measure(name, options, { rounds, perRound }) {
  const plain = await prepare(options("plain"), false);
  const withPaths = await prepare(options("paths"), true);
  try {
    const plainMs = [];
    const pathsMs = [];
    const changedMs = [];
    for (let i = 0; i < 5; i++) {
      await claimOnce(plain, []);
      await claimOnce(withPaths, []);
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [[plain, plainMs], [withPaths, pathsMs]] : [[withPaths, pathsMs], [plain, plainMs]];
      for (const [tm, samples] of order) for (let i = 0; i < perRound; i++) await claimOnce(tm, samples);
      for (let i = 0; i < perRound; i++) {
        await anotherClaims(withPaths);
        await claimOnce(withPaths, changedMs);
      }
    }
    const plainSummary = summarize(plainMs);
    const pathsSummary = summarize(pathsMs);
    return {
      store: name,
      plain: roundSummary(plainSummary, 3),
      paths: roundSummary(pathsSummary, 3),
      medianRatio: round(pathsSummary.median / plainSummary.median, 2),
      changed: roundSummary(summarize(changedMs), 3),
    };
  } finally {
    await plain.close();
    await withPaths.close();
  }
}

async function postgresAvailable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function runPathsSection({ quick }, log) {
  const shape = quick ? { rounds: 4, perRound: 10 } : { rounds: 20, perRound: 20 };
  const results = [];
  for (const store of (process.env.PATHS_STORES ?? "json,sqlite").split(",").filter(Boolean)) {
    const stateDir = scratchDir(`paths-${store}`);
    log(`paths: ${store}, ${PATHS_TASKS} pending tasks, ${PATHS_RESERVATIONS} reservations`);
    results.push(await measure(store, (workflow) => ({ store, stateDir, workflow }), shape));
  }
  const url = DEFAULT_DATABASE_URL;
  if (await postgresAvailable(url)) {
    const schema = `tm_bench_paths_${randomBytes(4).toString("hex")}`;
    log(`paths: postgres`);
    try {
      results.push(await measure("postgres", (workflow) => ({ store: "postgres", databaseUrl: url, databaseSchema: schema, workflow }), shape));
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  } else {
    log(`paths: postgres skipped, no server at ${url}`);
  }
  return { tasks: PATHS_TASKS, reservations: PATHS_RESERVATIONS, target: PATHS_TARGET_RATIO, results };
}

export function pathsReport(section) {
  const rows = section.results.map(
    (r) =>
      `| ${r.store} | ${r.plain.median} | ${r.plain.p99} | ${r.paths.median} | ${r.paths.p99} | ${r.medianRatio}× | ${r.medianRatio <= section.target ? "met" : "not met"} | ${r.changed.median} / ${r.changed.p99} |`,
  );
  return [
    `${section.tasks} pending tasks; with paths, ${section.reservations} active reservations of another agent hold back one task in ten. Claim time in ms (claim, then an untimed release). Target: at most ${section.target}× the claim without paths. The last column: claims among paths each after another agent claimed and released a task (untimed), so the holds the claimer read last have changed.`,
    "",
    "| store | plain median | plain p99 | paths median | paths p99 | ratio (median) | target | paths, holds changed: median / p99 |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
