/**
 * `loops` concurrent loops in this process, each calling `once()` (claim one job, do nothing,
 * complete it; answer its payload number, or null when there was nothing to claim) until it
 * finds the queue empty. Answers every payload number completed, for the exactly-once check.
 */
export async function loopsUntilEmpty(loops, once) {
  const keys = [];
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      for (;;) {
        const key = await once(loop);
        if (key === null || key === undefined) return;
        keys.push(key);
      }
    }),
  );
  return keys;
}

/** [0, n) in chunks of `size`: [[start, end), ...]. */
export function chunks(n, size = 1_000) {
  const out = [];
  for (let start = 0; start < n; start += size) out.push([start, Math.min(n, start + size)]);
  return out;
}

export const randomName = (prefix) => `${prefix}_${Math.random().toString(16).slice(2, 10)}`;

/** Our queue's fill and drain over a TaskManager, whichever store it keeps: both of our adapters use it. */
export function oursQueue(tm) {
  return {
    async fill(n) {
      for (const [start, end] of chunks(n)) {
        await tm.createTasks(Array.from({ length: end - start }, (_, k) => ({ type: "job", data: { i: start + k } })));
      }
    },
    drain: (loopCount) =>
      loopsUntilEmpty(loopCount, async (loop) => {
        const agentId = `w${process.pid}.${loop}`;
        const task = await tm.getNextTask({ agentId });
        if (!task) return null;
        await tm.completeTask({ taskId: task.id, agentId, claimToken: task.claim_token });
        return task.data.i;
      }),
    close: () => tm.close(),
  };
}
