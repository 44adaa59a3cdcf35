/**
 * Exactly-once, checked on the file itself after a drain: no task handed out twice,
 * every task a worker completed is completed in the file by that worker, none left
 * in progress, and (after a full drain) none left pending.
 */
import { readFileSync } from "node:fs";

export function checkExactlyOnce(stateFile, results, { full, total }) {
  const tasks = JSON.parse(readFileSync(stateFile, "utf8")).tasks;
  const problems = [];
  const seen = new Set();
  for (const { agentId, completed } of results) {
    for (const id of completed) {
      if (seen.has(id)) problems.push(`${id} completed twice`);
      seen.add(id);
      const task = tasks[id];
      if (!task || task.status !== "completed" || task.result?.by !== agentId) problems.push(`${id} not completed by ${agentId} in the file`);
    }
  }
  const counts = {};
  for (const task of Object.values(tasks)) counts[task.status] = (counts[task.status] ?? 0) + 1;
  if ((counts.completed ?? 0) !== seen.size) problems.push(`${counts.completed ?? 0} completed in the file, workers report ${seen.size}`);
  if (counts.in_progress) problems.push(`${counts.in_progress} left in progress`);
  if (full && (counts.pending || seen.size !== total)) problems.push(`full drain left ${counts.pending ?? 0} pending of ${total}`);
  return { ok: problems.length === 0, problems: problems.slice(0, 5) };
}
