/**
 * graphile-worker 0.18 with its batching options on (https://worker.graphile.org/docs/performance#batching):
 * a local queue that locks and fetches up to 100 jobs per query and hands them to the process's
 * workers, and completions batched into one query (completeJobBatchDelay 0: whatever completions
 * are pending when the event loop comes round share a statement; no added wait).
 */
import { graphileAdapter } from "./graphile-worker.mjs";

export default graphileAdapter({
  name: "graphile-worker-batched",
  label: "graphile-worker, batching options on",
  preset: { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
});
