/** Summaries of timing samples, in milliseconds. */

/** The value at quantile q (0..1) by the nearest-rank method: p99 of 50 samples is the largest. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: sorted.reduce((sum, x) => sum + x, 0) / (sorted.length || 1),
  };
}

/** Round for the JSON results: enough digits to compare, no float noise. */
export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function roundSummary(summary, digits = 2) {
  return Object.fromEntries(Object.entries(summary).map(([key, value]) => [key, key === "samples" ? value : round(value, digits)]));
}

export function elapsedMs(start) {
  return performance.now() - start;
}
