/** Short human durations for terminals and the dashboard: "45s", "4m 12s", "2h 5m", "3d 4h". */

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** "5m 3s ago" for a time in the past, "in 5m 3s" for one ahead; "-" when unknown. */
export function formatAge(at: number, now: number): string {
  if (Number.isNaN(at)) return "-";
  return at <= now ? `${formatDuration(now - at)} ago` : `in ${formatDuration(at - now)}`;
}
