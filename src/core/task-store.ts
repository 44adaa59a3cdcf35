/**
 * The one interface between the domain and persistence. The TaskManager validates
 * input and decides the time; a store applies each operation atomically with the
 * semantics of core/workflow-rules.ts. The JSON file store runs those rules over a
 * locked state file; a database store may express the same rules in SQL.
 */
import type { FinalStatus, JsonObject, StatusSummary, Task, TaskPage, TaskStatus, WorkflowMetadata } from "./schema.js";

export interface NewTask {
  type: string;
  data: JsonObject;
  parentId: string | null;
}

export interface ClaimRequest {
  agentId: string;
  /** Only tasks of these types; all types when absent or empty. */
  taskTypes?: readonly string[] | undefined;
  now: Date;
  /** Claims older than this are released before claiming (the seed's stale-task release). */
  staleAfterMs: number;
}

export interface CompleteRequest {
  taskId: string;
  agentId: string;
  status: FinalStatus;
  resultData?: JsonObject | undefined;
  attempt?: number | undefined;
  now: Date;
}

export interface ReleaseRequest {
  taskId: string;
  agentId: string;
  attempt?: number | undefined;
  now: Date;
}

export interface TaskQuery {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  parentId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface TaskStore {
  /** Where the workflow lives, for messages: a file path, or a database without its password. */
  readonly location: string;
  /** Creates all tasks or none. */
  createTasks(tasks: readonly NewTask[], now: Date): Promise<Task[]>;
  claimNextTask(request: ClaimRequest): Promise<Task | null>;
  completeTask(request: CompleteRequest): Promise<Task>;
  releaseTask(request: ReleaseRequest): Promise<Task>;
  getTask(taskId: string): Promise<Task | null>;
  getTaskChildren(taskId: string): Promise<Task[]>;
  listTasks(query: TaskQuery): Promise<TaskPage>;
  getStatusSummary(): Promise<StatusSummary>;
  getMetadata(): Promise<WorkflowMetadata>;
  updateMetadata(patch: JsonObject, now: Date): Promise<WorkflowMetadata>;
}
