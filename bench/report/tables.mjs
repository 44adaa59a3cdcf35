/** The results as Markdown: printed by `npm run bench` and written to bench/results/latest.md. */
import { postgresTargets } from "../sections/postgres.mjs";
import { formatBytes } from "./chart.mjs";

const num = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toLocaleString("en-US", { maximumFractionDigits: digits }));
const ratio = (v) => (v === null || v === undefined ? "–" : `${num(v, 1)}×`);
const table = (head, rows) => [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export function targets(results) {
  const out = [];
  const drain = results.drain?.drain ?? [];
  const at = (n) => drain.find((r) => r.n === n && r.workers === 4);
  // Issue 17: one durable write per call, no cross-process machinery; near 3x at 1,000 tasks, at least 10x at 10,000.
  for (const [n, want, label] of [[1000, 2.5, "near 3× (≥ 2.5×)"], [10_000, 10, "≥ 10×"]]) {
    const row = at(n);
    if (row?.ratio != null) out.push({ target: `drain N=${num(n, 0)}, P=4: ${label} the seed`, value: `${num(row.ratio)}×`, met: row.ratio >= want && row.ours.exactly_once });
  }
  const curve = (results.cost ?? []).filter((r) => r.n <= 10_000);
  if (curve.length) {
    const worst = Math.max(...curve.map((r) => r.claim_complete_vs_floor));
    out.push({ target: "claim+complete ≤ 3× its floor (two durable writes), every N ≤ 10,000", value: `worst ${num(worst, 2)}×`, met: worst <= 3 });
  }
  const rss = results.memory?.server_peak_rss_mb ?? results.memory?.library_peak_rss_mb;
  if (rss != null) out.push({ target: `peak RSS < 150 MB at 50,000 tasks (${results.memory.server_peak_rss_mb != null ? "MCP server" : "library process"})`, value: `${num(rss)} MB`, met: rss < 150 });
  if (results.postgres) out.push(...postgresTargets(results.postgres));
  return out;
}

export function markdownReport(results) {
  const parts = [];
  const m = results.machine;
  parts.push(`Run ${results.startedAt} on ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}; took ${num(results.durationS, 0)} s${results.options.quick ? " (quick mode: fewer samples, not for the record)" : ""}.`);

  const t = targets(results);
  if (t.length) parts.push(`### Targets\n\n${table(["target", "this run", "met"], t.map((x) => [x.target, x.value, x.met ? "yes" : "**no**"]))}`);

  if (results.drain) {
    const d = results.drain;
    parts.push(
      `### 1. Pipeline drain against the seed\n\n` +
        table(
          ["N", "P workers", "how", "ours tasks/s", "seed tasks/s", "ours / seed", "floor limit tasks/s", "exactly once"],
          d.drain.map((r) => [
            num(r.n, 0),
            r.workers,
            r.method,
            `${num(r.ours.drain_tasks_s)} (${num(r.ours.drained, 0)} in ${num(r.ours.drain_s, 1)} s)`,
            r.seed ? `${num(r.seed.drain_tasks_s, 2)} (${num(r.seed.drained, 0)} in ${num(r.seed.drain_s, 1)} s)` : "–",
            ratio(r.ratio),
            num(r.floor_tasks_s),
            r.ours.exactly_once && (r.seed?.exactly_once ?? true) ? "yes" : `**no** ${r.ours.problems.join("; ")}`,
          ]),
        ) +
        `\n\n` +
        table(
          ["N", "fill: how", "ours creates/s", "seed creates/s", "ours / seed"],
          d.fill.map((f) => [num(f.n, 0), f.method, num(f.ours.fill_ops_s), f.seed ? num(f.seed.fill_ops_s, 2) : "–", ratio(f.ratio)]),
        ),
    );
  }

  if (results.cost) {
    parts.push(
      `### 2 and 4. Cost of one operation, and the floor\n\n` +
        table(
          ["N tasks", "file", "create median / p99 ms", "claim+complete median / p99 ms", "floor median ms", "create ÷ floor", "claim+complete ÷ 2 floors", "samples"],
          results.cost.map((r) => [
            num(r.n, 0),
            formatBytes(r.file_bytes),
            `${num(r.create.median, 2)} / ${num(r.create.p99, 2)}`,
            `${num(r.claim_complete.median, 2)} / ${num(r.claim_complete.p99, 2)}`,
            num(r.floor.median, 2),
            ratio(r.create_vs_floor),
            ratio(r.claim_complete_vs_floor),
            r.create.samples,
          ]),
        ) +
        `\n\n![cost curve](cost-curve.svg)`,
    );
  }

  if (results.mcp) {
    parts.push(
      results.mcp.skipped
        ? `### 3. Through MCP\n\nSkipped: ${results.mcp.skipped}.`
        : `### 3. Through MCP (${num(results.mcp.tasks, 0)} tasks, one server process per client)\n\n` +
            table(
              ["clients", "tasks/s", "get_next_task p50 / p99 ms", "complete_task p50 / p99 ms", "exactly once"],
              results.mcp.rows.map((r) => [r.clients, num(r.tasks_s), `${num(r.get_next_task.median, 2)} / ${num(r.get_next_task.p99, 2)}`, `${num(r.complete_task.median, 2)} / ${num(r.complete_task.p99, 2)}`, r.exactly_once ? "yes" : `**no** ${r.problems.join("; ")}`]),
            ),
    );
  }

  if (results.memory) {
    const mem = results.memory;
    parts.push(`### Memory at ${num(mem.tasks, 0)} tasks\n\nPeak RSS: MCP server ${mem.server_peak_rss_mb == null ? "– (not built)" : `${num(mem.server_peak_rss_mb)} MB`}, library process ${num(mem.library_peak_rss_mb)} MB (${mem.calls}).`);
  }
  return `${parts.join("\n\n")}\n`;
}
