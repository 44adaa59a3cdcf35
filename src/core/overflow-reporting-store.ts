/**
 * The store as TaskManagerCore calls it: a call that runs out of stack on data nested too
 * deep, or computes a time out of range from a stored duration (see stack-overflow.ts),
 * fails with STATE_FILE_CORRUPT naming the store instead of a RangeError, whichever store
 * and whichever of its paths it was. Everything else, the store's other properties
 * included, passes through as it is.
 */
import { isStackOverflow, isTimeOutOfRange, unusableDataError } from "./stack-overflow.js";
import type { TaskStore } from "./task-store.js";

export function reportingOverflow<S extends TaskStore>(store: S): S {
  const reported = (error: unknown): unknown => (isStackOverflow(error) || isTimeOutOfRange(error) ? unusableDataError(store.location, error) : error);
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...given: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw reported(error);
        }
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(reported(error))) : result;
      };
    },
  });
}
