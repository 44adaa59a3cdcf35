/**
 * Every failure the library reports is a TaskManagerError with a stable `code`
 * (for programs and tool results) and a sentence a person can act on (for humans and agents).
 */
/** Every code a caller can see; nothing else reaches one. */
export const ERROR_CODES = [
  "TASK_NOT_FOUND",
  "NOT_CLAIM_HOLDER",
  "TASK_NOT_IN_PROGRESS",
  "TASK_NOT_PENDING",
  "CLAIM_SUPERSEDED",
  "INVALID_INPUT",
  "LOCK_TIMEOUT",
  "LOCK_COMPROMISED",
  "STATE_FILE_CORRUPT",
  "STORE_UNAVAILABLE",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class TaskManagerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class TaskNotFoundError extends TaskManagerError {
  readonly taskId: string;
  constructor(taskId: string, what = "Task") {
    super("TASK_NOT_FOUND", `${what} "${taskId}" does not exist in this workflow; check the id (list_tasks shows the ids).`);
    this.taskId = taskId;
  }
}

export class NotClaimHolderError extends TaskManagerError {
  /**
   * `otherClaim`: the holder's name is the caller's, but the claim is another one (another
   * window of the same client, or a claim the caller's token is not of).
   */
  constructor(taskId: string, agentId: string, holder: string | null, otherClaim?: { attempt: number; tokenGiven: boolean }) {
    super(
      "NOT_CLAIM_HOLDER",
      otherClaim === undefined
        ? `Task "${taskId}" is held by "${holder ?? "nobody"}", not by "${agentId}"; only the agent holding the claim may complete or release it.`
        : `Task "${taskId}" is held by another claim made under the name "${agentId}" (attempt ${otherClaim.attempt}), and this call's claim_token ${otherClaim.tokenGiven ? "is not that claim's" : "is missing"}. If you claimed it, pass the claim_token your get_next_task returned; otherwise leave the task to its holder.`,
    );
  }
}

export class TaskNotInProgressError extends TaskManagerError {
  constructor(taskId: string, status: string) {
    super(
      "TASK_NOT_IN_PROGRESS",
      `Task "${taskId}" is ${status}, not in_progress; only a claimed task can be completed, released or heartbeated (claim one with get_next_task).`,
    );
  }
}

export class TaskNotPendingError extends TaskManagerError {
  constructor(taskId: string, status: string, holder: string | null) {
    super(
      "TASK_NOT_PENDING",
      status === "in_progress"
        ? `Task "${taskId}" is held by "${holder ?? "nobody"}" and its lease has not run out; only its holder can finish it (complete_task with status cancelled), or cancel it once the lease has run out.`
        : `Task "${taskId}" is already ${status}; only a pending task can be cancelled.`,
    );
  }
}

export class ClaimSupersededError extends TaskManagerError {
  constructor(taskId: string, attempt: number, current: number) {
    super(
      "CLAIM_SUPERSEDED",
      `Your claim of task "${taskId}" (attempt ${attempt}) ended (its lease ran out, or a person released it) and the task was claimed again (attempt ${current}); drop this work, the new holder's result stands.`,
    );
  }
}

export class InvalidInputError extends TaskManagerError {
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

export class LockTimeoutError extends TaskManagerError {
  constructor(file: string, timeoutSeconds: number) {
    super(
      "LOCK_TIMEOUT",
      `Could not lock "${file}" within ${timeoutSeconds} s because other agents kept it busy; nothing was changed, try again.`,
    );
  }
}

export class LockCompromisedError extends TaskManagerError {
  constructor(file: string, cause?: unknown) {
    super(
      "LOCK_COMPROMISED",
      `The lock on "${file}" was lost before the change was written (the process stalled past the stale threshold); nothing was changed, try again.`,
      { cause },
    );
  }
}

export class StateFileCorruptError extends TaskManagerError {
  readonly file: string;
  /** What is wrong with the file, without the advice, for a caller that reads it as something else than a state file. */
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(
      "STATE_FILE_CORRUPT",
      `State file "${file}" is corrupt (${problem}); it was left untouched. Restore it from a backup or move it aside to start the workflow afresh.`,
    );
    this.file = file;
    this.problem = problem;
  }
}

/**
 * The store could not finish a call: the database could not be reached or kept dropping the
 * connection, or (JSON store) the state directory could not be used. The message says
 * whether the change may have been applied.
 */
export class StoreUnavailableError extends TaskManagerError {
  constructor(message: string, cause?: unknown) {
    super("STORE_UNAVAILABLE", message, { cause });
  }
}

export function isTaskManagerError(error: unknown): error is TaskManagerError {
  return error instanceof TaskManagerError;
}
