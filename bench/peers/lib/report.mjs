/** The markdown report of run.mjs: medians of the repetitions, ratios, CPU per job. */
import { median } from "./measure.mjs";

const int = (x) => (x === null ? "–" : Math.round(x).toLocaleString("en-US"));
const ratio = (x) => (x === null ? "–" : `${x.toFixed(2)}×`);

export function render({ env, runs, systems, drains }) {
  const label = (a) => {
    const v = a.ours ? null : a.package ? env.versions[a.package] : null;
    return v ? a.label.replace(a.package, `${a.package} ${v}`) : a.label;
  };
  const ok = (r) => !r.error;
  const pick = (name, pred) => runs.filter((r) => r.system === name && ok(r) && pred(r));
  const summary = {};
  for (const a of systems) {
    const s = { label: label(a), database: a.database, fill: median(pick(a.name, () => true).map((r) => r.fill_jobs_s)) };
    for (const d of drains) {
      const rs = pick(a.name, (r) => r.drain === d.id);
      s[d.id] = {
        jobs_s: median(rs.map((r) => r.drain_jobs_s)),
        client_cpu_us_per_job: median(rs.map((r) => r.client_cpu_us_per_job)),
        server_cpu_us_per_job: median(rs.map((r) => r.server_cpu_us_per_job)),
        server_all_cpu_us_per_job: median(rs.map((r) => r.server_all_cpu_us_per_job ?? null)),
        runs: rs.length,
      };
    }
    s.failures = runs.filter((r) => r.system === a.name && (r.error || r.exactly_once === false)).length;
    summary[a.name] = s;
  }

  const columns = [{ id: "fill", title: "fill" }, ...drains];
  const value = (name, col) => (col.id === "fill" ? summary[name].fill : summary[name][col.id].jobs_s);
  const lines = [];
  lines.push(`## Peers: jobs/s, medians of ${env.reps} repetition${env.reps === 1 ? "" : "s"} (N = ${env.jobs.toLocaleString("en-US")})`);
  lines.push("");
  lines.push(`| system | ${columns.map((c) => c.title).join(" | ")} |`);
  lines.push(`| --- | ${columns.map(() => "---:").join(" | ")} |`);
  for (const a of systems) lines.push(`| ${summary[a.name].label} | ${columns.map((c) => int(value(a.name, c))).join(" | ")} |`);

  // Ours against the best peer of the same database, column by column; and against the best with
  // default options, where some peer runs with options of its own (graphile-worker's batching).
  const ratioLines = [];
  for (const a of systems.filter((x) => x.ours)) {
    const allPeers = systems.filter((p) => !p.ours && p.database === a.database);
    const defaults = allPeers.filter((p) => !p.options);
    const sets = [["best peer", allPeers]];
    if (defaults.length > 0 && defaults.length < allPeers.length) sets.push(["best peer, default options", defaults]);
    for (const [title, peers] of sets) {
      if (peers.length === 0) continue;
      const cells = columns.map((c) => {
        const mine = value(a.name, c);
        const best = peers.map((p) => ({ p, v: value(p.name, c) })).filter((x) => x.v !== null).sort((x, y) => y.v - x.v)[0];
        if (mine === null || !best) return "–";
        return `${ratio(mine / best.v)} (${best.p.label})`;
      });
      ratioLines.push(`| ${summary[a.name].label} ÷ ${title} | ${cells.join(" | ")} |`);
    }
  }
  if (ratioLines.length > 0) {
    lines.push("");
    lines.push("Ours ÷ the fastest peer on the same database, per column (above 1× = ours faster):");
    lines.push("");
    lines.push(`| ratio | ${columns.map((c) => c.title).join(" | ")} |`);
    lines.push(`| --- | ${columns.map(() => "---:").join(" | ")} |`);
    lines.push(...ratioLines);
  }

  lines.push("");
  lines.push("CPU per job during the drain, µs (medians): client processes + PostgreSQL server (the backends of the drain's connections and the server's background processes):");
  lines.push("");
  lines.push(`| system | ${drains.map((d) => d.title).join(" | ")} |`);
  lines.push(`| --- | ${drains.map(() => "---:").join(" | ")} |`);
  for (const a of systems) {
    const cells = drains.map((d) => {
      const s = summary[a.name][d.id];
      if (s.client_cpu_us_per_job === null) return "–";
      return s.server_cpu_us_per_job === null ? int(s.client_cpu_us_per_job) : `${int(s.client_cpu_us_per_job)} + ${int(s.server_cpu_us_per_job)}`;
    });
    lines.push(`| ${summary[a.name].label} | ${cells.join(" | ")} |`);
  }

  const failed = runs.filter((r) => r.error || r.exactly_once === false);
  lines.push("");
  lines.push(
    failed.length === 0
      ? `Every job was done exactly once in all ${runs.length} cases (checked by the workers' records and in the database).`
      : `**${failed.length} of ${runs.length} cases failed or were not exactly once:** ${failed.map((r) => `${r.system} ${r.drain} rep ${r.rep}${r.error ? `: ${r.error.split("\n")[0]}` : ""}`).join("; ")}`,
  );
  lines.push("");
  const pgInfo = env.postgresql ? `; PostgreSQL ${env.postgresql.version} (synchronous_commit ${env.postgresql.synchronous_commit}, fsync ${env.postgresql.fsync}, wal_sync_method ${env.postgresql.wal_sync_method})` : "";
  lines.push(
    `${env.date}: Node ${env.node}, ${env.cpus} × ${env.cpu_model}, load average at start ${env.load_average_at_start.map((x) => x.toFixed(2)).join(" ")}${pgInfo}; ` +
      `task-manager-mcp ${env.versions.ours}, pg-boss ${env.versions["pg-boss"]}, graphile-worker ${env.versions["graphile-worker"]}, plainjob ${env.versions.plainjob}, better-sqlite3 ${env.versions["better-sqlite3"]}, pg ${env.versions.pg}.`,
  );
  return { markdown: `${lines.join("\n")}\n`, summary };
}
