export { TaskManager, DEFAULT_LOCK_TIMEOUT_SECONDS, type TaskManagerOptions } from "./task-manager.js";
export { Workflows, type WorkflowsOptions } from "./workflows.js";
export { TaskManagerCore, DEFAULT_TASK_TIMEOUT_HOURS, DEFAULT_MAX_PAYLOAD_BYTES } from "./core/task-manager-core.js";
export {
  TaskStatus,
  TASK_STATUSES,
  FINAL_STATUSES,
  HistoryEvent,
  type ClaimedTask,
  type CreatedTask,
  type FinalStatus,
  type FinishedTask,
  type FinishedAndNext,
  type HistoryEntry,
  type JsonObject,
  type PendingCounts,
  type Reservation,
  type StatusSummary,
  type StoredReservation,
  type StoredTask,
  type Task,
  type TaskPage,
  type WorkflowMetadata,
  type WorkflowState,
} from "./core/schema.js";
export type {
  CancelTaskInput,
  CompleteTaskInput,
  CompleteAndClaimNextInput,
  CreateTaskInput,
  GetNextTaskInput,
  HeartbeatTaskInput,
  ListTasksInput,
  ReleaseTaskInput,
  ReservePathsInput,
  ReleasePathsInput,
} from "./core/inputs.js";
export { DEFAULT_RESERVATION_TTL_SECONDS, MAX_RESERVATION_TTL_SECONDS } from "./core/inputs.js";
export { MAX_PATHS, normalisePath, normalisePaths, pathsOverlap } from "./core/paths.js";
export type { Holder, PathConflict } from "./core/path-holds.js";
export type { ReservationResult } from "./core/path-reservations.js";
export { timed, type Clock, type Timed } from "./core/task-store.js";
export type {
  TaskStore,
  NewTask,
  ClaimRequest,
  CompleteRequest,
  ReleaseRequest,
  HeartbeatRequest,
  CancelRequest,
  TaskQuery,
  ReservePathsRequest,
  ReleasePathsRequest,
} from "./core/task-store.js";
export { HISTORY_LIMIT } from "./core/task-history.js";
export { MAX_JSON_DEPTH, type JsonValue } from "./core/json-value.js";
export { MAX_RETRY_DELAY_SECONDS, retryDelaySeconds } from "./core/retry-policy.js";
export { TASK_DEFAULTS_KEY, type TaskDefaults } from "./core/workflow-defaults.js";
export { WORKFLOW_NAME_PATTERN, DEFAULT_WORKFLOW, isWorkflowName, assertWorkflowName } from "./core/workflow-name.js";
export {
  TaskManagerError,
  TaskNotFoundError,
  NotClaimHolderError,
  TaskNotInProgressError,
  TaskNotPendingError,
  ClaimSupersededError,
  InvalidInputError,
  LockTimeoutError,
  LockCompromisedError,
  StateFileCorruptError,
  StoreUnavailableError,
  isTaskManagerError,
  type ErrorCode,
} from "./core/errors.js";
export { NextClaimFailedError } from "./core/next-claim.js";
export { JsonFileStore, type JsonFileStoreOptions } from "./store/json/json-file-store.js";
export { SqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.js";
export { PostgresStore, DEFAULT_POSTGRES_SCHEMA, type PostgresStoreOptions } from "./store/postgres/postgres-store.js";
export { STORE_KINDS, type StoreKind, type WorkflowChange } from "./store/workflow-catalog.js";
export { SQLITE_FILE_NAME, type SqliteSynchronous } from "./store/sqlite/database.js";
export type { WorkflowExport, WorkflowHeader, WorkflowImport } from "./core/workflow-transfer.js";
export { readSeedFile, scanSeedFile, type SeedFile } from "./store/seed-file/read-seed-file.js";
export { writeSeedFile } from "./store/seed-file/write-seed-file.js";
export { nextClaimTime, type ClaimabilityQuery } from "./core/claim-timing.js";
export type { ExpiredLease, NoticeListener, StoreNotice } from "./core/store-notices.js";
export { watchStateDirectory, type StateFileChange, type StateFileChangeKind } from "./store/json/state-dir-watcher.js";
export { createServer, type ServerOptions } from "./mcp/server.js";
