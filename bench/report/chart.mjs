/**
 * The cost curve as a hand-written SVG (log-log): median and p99 of one create and
 * one claim+complete against the number of tasks, with the floor beside them.
 */
const WIDTH = 800;
const HEIGHT = 440;
const PAD = { left: 70, right: 240, top: 44, bottom: 64 };

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function logScale(min, max, from, to) {
  const a = Math.log10(min);
  const b = Math.log10(max);
  return (value) => from + ((Math.log10(value) - a) / (b - a)) * (to - from);
}

function niceTicks(min, max) {
  const ticks = [];
  for (let exp = Math.floor(Math.log10(min)); exp <= Math.ceil(Math.log10(max)); exp++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** exp;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

export function costCurveSvg(rows, title) {
  const series = [
    { label: "claim+complete p99", color: "#d62728", dash: "6 4", pick: (r) => r.claim_complete.p99 },
    { label: "claim+complete median", color: "#d62728", dash: "", pick: (r) => r.claim_complete.median },
    { label: "create p99", color: "#1f77b4", dash: "6 4", pick: (r) => r.create.p99 },
    { label: "create median", color: "#1f77b4", dash: "", pick: (r) => r.create.median },
    { label: "2 × floor (for claim+complete)", color: "#555", dash: "2 3", pick: (r) => 2 * r.floor.median },
    { label: "floor (for create)", color: "#999", dash: "2 3", pick: (r) => r.floor.median },
  ];
  const values = rows.flatMap((r) => series.map((s) => s.pick(r))).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const ns = rows.map((r) => r.n);
  const x = logScale(Math.min(...ns) / 1.3, Math.max(...ns) * 1.3, PAD.left, WIDTH - PAD.right);
  const y = logScale(yMin, yMax, HEIGHT - PAD.bottom, PAD.top);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${PAD.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (const t of niceTicks(yMin, yMax)) {
    out.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t >= 1 ? t : t.toFixed(1)}</text>`);
  }
  for (const r of rows) {
    out.push(`<line x1="${x(r.n).toFixed(1)}" x2="${x(r.n).toFixed(1)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x(r.n).toFixed(1)}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="middle">${r.n.toLocaleString("en-US")}</text>`);
    out.push(`<text x="${x(r.n).toFixed(1)}" y="${HEIGHT - PAD.bottom + 33}" text-anchor="middle" fill="#666">${formatBytes(r.file_bytes)}</text>`);
  }
  out.push(`<text x="${(PAD.left + WIDTH - PAD.right) / 2}" y="${HEIGHT - 10}" text-anchor="middle">tasks in the workflow (state file size)</text>`);
  out.push(`<text transform="translate(18 ${(PAD.top + HEIGHT - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">milliseconds per operation (log)</text>`);
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}" fill="none" stroke="#999"/>`);
  series.forEach((s, i) => {
    const points = rows.map((r) => `${x(r.n).toFixed(1)},${y(s.pick(r)).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ""}/>`);
    for (const r of rows) out.push(`<circle cx="${x(r.n).toFixed(1)}" cy="${y(s.pick(r)).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const ly = PAD.top + 10 + i * 20;
    out.push(`<line x1="${WIDTH - PAD.right + 14}" x2="${WIDTH - PAD.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ""}/>`);
    out.push(`<text x="${WIDTH - PAD.right + 46}" y="${ly + 4}">${escape(s.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
