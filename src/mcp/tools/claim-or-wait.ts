/**
 * get_next_task's `wait_seconds`: an agent that finds no task waits in one call for
 * one to become claimable, instead of polling and paying tokens for every empty
 * answer. The wait ends early when the client cancels the request or the server
 * shuts down; meanwhile a client that sent a progress token hears that the call is
 * alive.
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { GetNextTaskInput } from "../../core/inputs.js";
import type { ClaimedTask } from "../../core/schema.js";
import type { TaskManager } from "../../task-manager.js";
import type { ServerContext } from "../context.js";
import { waitSecondsArg } from "../range-args.js";

/** How often a waiting call reports progress when the client asked for it. */
export const PROGRESS_INTERVAL_MS = 5_000;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The claimed task; null when none became claimable in time, or the wait was cancelled. */
export async function claimOrWait(
  context: ServerContext,
  tm: TaskManager,
  request: Omit<GetNextTaskInput, "waitMs" | "signal">,
  waitSeconds: number | undefined,
  extra: Extra,
): Promise<ClaimedTask | null> {
  const seconds = waitSecondsArg(waitSeconds);
  if (seconds === 0) return tm.getNextTask(request);
  const { signal, dispose } = eitherAborted(extra.signal, context.stopWaiting);
  const stopProgress = reportProgress(extra, seconds);
  try {
    const task = await tm.getNextTask({ ...request, waitMs: seconds * 1000, signal });
    if (task && signal.aborted) {
      // Claimed just as the caller went away: nobody will receive it, so give it back now
      // rather than leave it held until its lease runs out.
      await tm.releaseTask({ taskId: task.id, agentId: request.agentId, claimToken: task.claim_token });
      return null;
    }
    return task;
  } catch (error) {
    if (signal.aborted) return null;
    throw error;
  } finally {
    stopProgress();
    dispose();
  }
}

/**
 * A signal aborted when either one is: what AbortSignal.any does, which Node has only
 * since 20.3 (this package runs on any Node 20). `dispose` stops listening to both.
 */
function eitherAborted(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener("abort", abort, { once: true });
  b.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener("abort", abort);
      b.removeEventListener("abort", abort);
    },
  };
}

/** Sends `notifications/progress` now and every few seconds while waiting, if the client gave a token. */
function reportProgress(extra: Extra, totalSeconds: number): () => void {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return () => undefined;
  const started = Date.now();
  const send = (): void => {
    const waited = Math.round((Date.now() - started) / 100) / 10;
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken, progress: waited, total: totalSeconds, message: `waiting for a task (${waited} of ${totalSeconds} s)` },
      })
      .catch(() => undefined);
  };
  send();
  const timer = setInterval(send, PROGRESS_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
