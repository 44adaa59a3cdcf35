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

/**
 * Our queue's fill and drain over a TaskManager, whichever store it keeps: both of our adapters use it.
 * A worker claims once, then finishes each job with completeAndClaimNext, which completes it and
 * claims the next in one commit. PEERS_OURS_LOOP=separate: getNextTask then completeTask per job
 * instead, two commits, for comparison.
 */
export function oursQueue(tm) {
  const separate = process.env.PEERS_OURS_LOOP === "separate";
  return {
    async fill(n) {
      for (const [start, end] of chunks(n)) {
        await tm.createTasks(Array.from({ length: end - start }, (_, k) => ({ type: "job", data: { i: start + k } })));
      }
    },
    drain: (loopCount) => {
      // Each loop's claim in hand: the one its last completeAndClaimNext returned.
      const held = new Map();
      return loopsUntilEmpty(loopCount, async (loop) => {
        const agentId = `w${process.pid}.${loop}`;
        const task = held.get(loop) ?? (await tm.getNextTask({ agentId }));
        if (!task) return null;
        if (separate) await tm.completeTask({ taskId: task.id, agentId, claimToken: task.claim_token });
        else held.set(loop, (await tm.completeAndClaimNext({ taskId: task.id, agentId, claimToken: task.claim_token })).next);
        return task.data.i;
      });
    },
    close: () => tm.close(),
  };
}
