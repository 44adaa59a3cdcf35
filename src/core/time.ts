/** Timestamps are ISO 8601 in UTC. The seed wrote local time without a zone; those still parse. */
export function toIsoTimestamp(date: Date): string {
  return date.toISOString();
}

/**
 * Milliseconds since the epoch, or NaN when unreadable. A timestamp without a zone
 * (as the Python seed wrote them) is read as local time, which is what the seed meant.
 */
export function parseTimestamp(value: string): number {
  return Date.parse(value);
}
