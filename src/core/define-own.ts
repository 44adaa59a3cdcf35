/**
 * Adding a key that comes from data (a task id, a field of task data or metadata) to an
 * object. Assignment will not do: `object["__proto__"] = value` sets the object's
 * prototype instead of adding a key, and the value is lost.
 */
export function defineOwn(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
