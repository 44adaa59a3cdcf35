/**
 * Moving a workflow between stores (`task-manager-mcp export` / `import`): the
 * workflow as the seed's state file holds it, a task at a time, so a workflow of a
 * million tasks never has to sit in memory as one object on the way.
 */
import { defineOwn } from "./define-own.js";
import { InvalidInputError } from "./errors.js";
import type { StoredTask, WorkflowMetadata, WorkflowState } from "./schema.js";
import type { Mutation } from "./workflow-rules.js";

/** A workflow without its tasks: workflow_type, metadata, and any other top-level fields a file had. */
export interface WorkflowHeader {
  workflow_type: string;
  metadata: WorkflowMetadata;
  [field: string]: unknown;
}

/** A workflow read out of a store: every task as stored, ids and history and all, in creation order. */
export interface WorkflowExport {
  header: WorkflowHeader;
  tasks: AsyncIterable<[id: string, task: StoredTask]>;
}

/** A workflow to write into a store as it is. The tasks are already validated (storedTaskSchema). */
export interface WorkflowImport {
  header: WorkflowHeader;
  tasks: Iterable<[id: string, task: StoredTask]>;
}

/** Import only fills a workflow without tasks: merging two workflows' ids, counters and histories is not defined. */
export function workflowNotEmptyError(workflow: string, count: number): InvalidInputError {
  return new InvalidInputError(
    `Workflow "${workflow}" already holds ${count} task(s); import into a new or empty workflow (another --workflow name, or another state directory).`,
  );
}

/**
 * The import as a rule over an in-memory state (the JSON store's): the state takes the
 * source's header and tasks. `workflow` names it in the refusal.
 */
export function importIntoState(state: WorkflowState, source: WorkflowImport, workflow: string): Mutation<number> {
  const count = Object.keys(state.tasks).length;
  if (count > 0) throw workflowNotEmptyError(workflow, count);
  const { workflow_type: type, metadata, ...extra } = source.header;
  for (const [field, value] of Object.entries(extra)) defineOwn(state, field, value);
  state.workflow_type = type;
  state.metadata = { ...metadata };
  const tasks: WorkflowState["tasks"] = {};
  for (const [id, task] of source.tasks) defineOwn(tasks, id, task);
  state.tasks = tasks;
  return { value: Object.keys(tasks).length, changed: true };
}

/** A workflow's tasks as the async iterable an export reads. */
export async function* tasksOf(tasks: WorkflowState["tasks"]): AsyncGenerator<[string, StoredTask]> {
  for (const entry of Object.entries(tasks)) yield entry;
}
