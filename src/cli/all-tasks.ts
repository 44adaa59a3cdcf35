/** Every task matching a query, page by page (the library pages listings; a person wants them all). */
import { MAX_PAGE_SIZE } from "../core/inputs.js";
import type { Task, TaskStatus } from "../core/schema.js";
import type { TaskManager } from "../task-manager.js";

export interface TaskFilter {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  parentId?: string | undefined;
}

/** In creation order; stops after `limit` tasks when given. */
export async function allTasks(tm: TaskManager, filter: TaskFilter = {}, limit = Number.POSITIVE_INFINITY): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await tm.listTasks({
      ...filter,
      limit: Math.min(MAX_PAGE_SIZE, limit - tasks.length),
      ...(cursor !== undefined && { cursor }),
    });
    tasks.push(...page.tasks);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && tasks.length < limit);
  return tasks;
}
