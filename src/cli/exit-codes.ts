/**
 * The exit codes of the command-line subcommands, one per kind of outcome, so a
 * script can tell "try again" from "fix the command" from "that task is gone".
 * docs/cli.md lists them; keep the two in step.
 */
import { isTaskManagerError, type ErrorCode } from "../core/errors.js";
import { NotFoundError } from "./not-found-error.js";

export const ExitCode = {
  /** Done. */
  OK: 0,
  /** A usage mistake or invalid input (a bad flag, bad JSON, a name not allowed), or an unexpected error. */
  ERROR: 1,
  /** No such task or workflow. */
  NOT_FOUND: 2,
  /** The task is not in a state that allows it (already finished, not claimed, held by someone else). */
  CONFLICT: 3,
  /** The state file stayed locked by others; nothing changed, running it again may succeed. */
  BUSY: 4,
  /** A state file is corrupt; it was left untouched. */
  CORRUPT: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes not listed (INVALID_INPUT, and any added later until listed here) exit with ERROR. */
const BY_ERROR_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  TASK_NOT_FOUND: ExitCode.NOT_FOUND,
  NOT_CLAIM_HOLDER: ExitCode.CONFLICT,
  TASK_NOT_IN_PROGRESS: ExitCode.CONFLICT,
  TASK_NOT_PENDING: ExitCode.CONFLICT,
  CLAIM_SUPERSEDED: ExitCode.CONFLICT,
  LOCK_TIMEOUT: ExitCode.BUSY,
  LOCK_COMPROMISED: ExitCode.BUSY,
  STORE_UNAVAILABLE: ExitCode.BUSY,
  STATE_FILE_CORRUPT: ExitCode.CORRUPT,
};

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof NotFoundError) return ExitCode.NOT_FOUND;
  if (isTaskManagerError(error)) return BY_ERROR_CODE[error.code] ?? ExitCode.ERROR;
  return ExitCode.ERROR;
}

/** The stable code a script sees in `--json` errors: the library's, or the command line's own. */
export function errorCodeOf(error: unknown, isUsageMistake: boolean): string {
  if (error instanceof NotFoundError || isTaskManagerError(error)) return error.code;
  return isUsageMistake ? "USAGE" : "ERROR";
}
