/** A held task's lease as a person reads it: "4m 12s left", or "expired 3s ago" (released on the next claim). */
import { leaseDeadline } from "../../core/lease-deadline.js";
import type { StoredTask } from "../../core/schema.js";
import { formatDuration } from "./durations.js";
import type { Style } from "./style.js";

export function describeLease(task: StoredTask, now: number, staleAfterMs: number, style: Style): string {
  const deadline = leaseDeadline(task, staleAfterMs);
  if (deadline === null) return "";
  if (Number.isNaN(deadline)) return style.red("unreadable");
  if (deadline < now) return style.red(`expired ${formatDuration(now - deadline)} ago`);
  return `${formatDuration(deadline - now)} left`;
}
