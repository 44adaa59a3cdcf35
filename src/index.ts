export { TaskManager, DEFAULT_LOCK_TIMEOUT_SECONDS, type TaskManagerOptions } from "./task-manager.js";
export { Workflows, type WorkflowsOptions } from "./workflows.js";
export { TaskManagerCore, DEFAULT_TASK_TIMEOUT_HOURS, DEFAULT_MAX_PAYLOAD_BYTES } from "./core/task-manager.js";
export {
  TaskStatus,
  TASK_STATUSES,
  FINAL_STATUSES,
  type FinalStatus,
  type JsonObject,
  type StatusSummary,
  type StoredTask,
  type Task,
  type TaskPage,
  type WorkflowMetadata,
  type WorkflowState,
} from "./core/schema.js";
export type { CompleteTaskInput, CreateTaskInput, GetNextTaskInput, ListTasksInput, ReleaseTaskInput } from "./core/inputs.js";
export type { TaskStore, NewTask, ClaimRequest, CompleteRequest, ReleaseRequest, TaskQuery } from "./core/task-store.js";
export { WORKFLOW_NAME_PATTERN, DEFAULT_WORKFLOW, isWorkflowName, assertWorkflowName } from "./core/workflow-name.js";
export {
  TaskManagerError,
  TaskNotFoundError,
  NotClaimHolderError,
  TaskNotInProgressError,
  ClaimSupersededError,
  InvalidInputError,
  LockTimeoutError,
  LockCompromisedError,
  StateFileCorruptError,
  isTaskManagerError,
  type ErrorCode,
} from "./core/errors.js";
export { JsonFileStore, type JsonFileStoreOptions } from "./store/json-file-store.js";
export { createServer, type ServerOptions } from "./mcp/server.js";
