/**
 * Compact text renderings of results, for clients that show the model text rather
 * than structured content. One line per task; JSON only where the content is free-form.
 */
import type { StatusSummary, Task } from "../core/schema.js";

export function renderTask(task: Task): string {
  const parts = [`${task.id} [${task.status}] type=${task.type}`];
  if (task.parent_id !== null) parts.push(`parent=${task.parent_id}`);
  if (task.priority !== undefined) parts.push(`priority=${task.priority}`);
  if (task.depends_on !== undefined) parts.push(`depends_on=${task.depends_on.join(",")}`);
  if (task.paths !== undefined) parts.push(`paths=${task.paths.join(",")}`);
  if (task.blocked_by !== undefined) parts.push(`blocked_by=${task.blocked_by.join(",")}`);
  if (task.status === "pending" && task.not_before != null) parts.push(`not_before=${task.not_before}`);
  if (task.last_error != null) parts.push(`last_error=${JSON.stringify(task.last_error)}`);
  if (task.locked_by != null) parts.push(`locked_by=${task.locked_by} since ${task.locked_at ?? "?"} (attempt ${task.attempts})`);
  if (task.completed_at !== null) parts.push(`completed_at=${task.completed_at}`);
  parts.push(`data=${JSON.stringify(task.data)}`);
  if (task.result !== undefined) parts.push(`result=${JSON.stringify(task.result)}`);
  return parts.join(" ");
}

export function renderTasks(tasks: readonly Task[], empty: string): string {
  return tasks.length === 0 ? empty : tasks.map(renderTask).join("\n");
}

export function renderCounts(counts: Record<string, number>): string {
  const shown = Object.entries(counts).filter(([, count]) => count > 0);
  return shown.length === 0 ? "none" : shown.map(([name, count]) => `${name}=${count}`).join(", ");
}

export function renderSummary(workflow: string, summary: StatusSummary): string {
  return `workflow ${workflow}: ${summary.total_tasks} tasks; status: ${renderCounts(summary.status_counts)}; pending: ${renderCounts({ ...summary.pending_counts })}; types: ${renderCounts(summary.type_counts)}`;
}
