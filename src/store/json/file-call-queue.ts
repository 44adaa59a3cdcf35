/**
 * Runs the operations on one file one at a time within this process. The file
 * lock already excludes other processes; queueing here first keeps concurrent
 * calls of one process (an MCP server answering several requests) from spinning
 * against their own lock.
 */
const tails = new Map<string, Promise<unknown>>();

export function queueFileCall<T>(key: string, operation: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const result = previous.then(operation, operation);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return result;
}
