/**
 * graphile-worker 0.18 with its batching options on (https://worker.graphile.org/docs/performance#batching):
 * a local queue that locks and fetches up to 100 jobs per query and hands them to the process's
 * workers, and completions batched into one query (completeJobBatchDelay 0: whatever completions
 * are pending when the event loop comes round share a statement; no added wait). A worker does not
 * wait for its completion's commit before taking the next job, so a crash can run up to a local
 * queue's worth of completed jobs again (once their lock expires). Other settings:
 * PEERS_GRAPHILE_LOCAL_QUEUE=<size> and PEERS_GRAPHILE_COMPLETE_DELAY=<ms> in the environment.
 */
import { graphileAdapter } from "./graphile-worker.mjs";

export default graphileAdapter({
  name: "graphile-worker-batched",
  label: "graphile-worker, batching options on",
  preset: {
    worker: {
      localQueue: { size: Number(process.env.PEERS_GRAPHILE_LOCAL_QUEUE ?? 100) },
      completeJobBatchDelay: Number(process.env.PEERS_GRAPHILE_COMPLETE_DELAY ?? 0),
      failJobBatchDelay: Number(process.env.PEERS_GRAPHILE_COMPLETE_DELAY ?? 0),
    },
  },
});
