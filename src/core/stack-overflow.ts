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

export const TOO_DEEP_PROBLEM = `it holds data nested too deep to process, thousands of levels, which only an edit by hand can write (input is refused past ${MAX_JSON_DEPTH}); flatten that data by hand`;

/** STATE_FILE_CORRUPT for the workflow at `location`. */
export function tooDeepError(location: string): StateFileCorruptError {
  return new StateFileCorruptError(location, TOO_DEEP_PROBLEM);
}
