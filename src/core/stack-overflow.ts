/**
 * Data nested some thousands deep makes JSON.stringify, structuredClone and zod run out
 * of stack. Input is refused past MAX_JSON_DEPTH, so only an edit by hand can put such
 * data in a store; where it then overflows, that is reported as the stored workflow's
 * problem, with a code, rather than as a RangeError and its stack trace.
 */
import { StateFileCorruptError } from "./errors.js";
import { MAX_JSON_DEPTH } from "./json-value.js";

export function isStackOverflow(error: unknown): error is RangeError {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** A time a rule computed from a stored value (a lease, a backoff, edited by hand) beyond what a Date holds. */
export function isTimeOutOfRange(error: unknown): error is RangeError {
  return error instanceof RangeError && /invalid time value/i.test(error.message);
}

export const TIME_OUT_OF_RANGE_PROBLEM = "a task holds a duration so long that the time it leads to is out of range (lease_seconds or retry_delay_seconds, edited by hand?); correct it by hand";

export const TOO_DEEP_PROBLEM = `it holds data nested too deep to process, thousands of levels, which only an edit by hand can write (input is refused past ${MAX_JSON_DEPTH}); flatten that data by hand`;

/** STATE_FILE_CORRUPT for the workflow at `location`, saying which of the two it holds. */
export function unusableDataError(location: string, error: RangeError): StateFileCorruptError {
  return new StateFileCorruptError(location, isStackOverflow(error) ? TOO_DEEP_PROBLEM : TIME_OUT_OF_RANGE_PROBLEM);
}
