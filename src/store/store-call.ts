/**
 * A change to a workflow as data: what a process that waits for the lock hands to the
 * holder, so that the holder commits it in its own write (group commit, call-mailbox.ts).
 * Each call names one rule of core/workflow-rules.ts and carries its request; applying
 * it runs that rule exactly as the caller's own process would have.
 */
import { z } from "zod";
import type { ClaimedTask, CreatedTask, FinishedTask, JsonObject, Task, WorkflowMetadata, WorkflowState } from "../core/schema.js";
import type { CancelRequest, ClaimRequest, CompleteRequest, HeartbeatRequest, NewTask, ReleaseRequest, Timed } from "../core/task-store.js";
import * as rules from "../core/workflow-rules.js";

export type StoreCall =
  | { op: "create"; tasks: readonly NewTask[]; now: Date }
  | { op: "claim"; request: Timed<ClaimRequest> }
  | { op: "complete"; request: Timed<CompleteRequest> }
  | { op: "release"; request: Timed<ReleaseRequest> }
  | { op: "heartbeat"; request: Timed<HeartbeatRequest> }
  | { op: "cancel"; request: Timed<CancelRequest> }
  | { op: "metadata"; patch: JsonObject; now: Date };

/** What each kind of call returns. */
export interface CallValues {
  create: CreatedTask[];
  claim: ClaimedTask | null;
  complete: FinishedTask;
  release: Task;
  heartbeat: Task;
  cancel: FinishedTask;
  metadata: WorkflowMetadata;
}

/** Runs the call's rule on `state`, changing it in place; throws what the rule throws, having changed nothing. */
export function applyCall<C extends StoreCall>(state: WorkflowState, call: C): rules.Mutation<CallValues[C["op"]]>;
export function applyCall(state: WorkflowState, call: StoreCall): rules.Mutation<CallValues[StoreCall["op"]]> {
  switch (call.op) {
    case "create":
      return rules.createTasks(state, call.tasks, call.now);
    case "claim":
      return rules.claimNextTask(state, call.request);
    case "complete":
      return rules.completeTask(state, call.request);
    case "release":
      return rules.releaseTask(state, call.request);
    case "heartbeat":
      return rules.heartbeatTask(state, call.request);
    case "cancel":
      return rules.cancelTask(state, call.request);
    case "metadata":
      return rules.updateMetadata(state, call.patch, call.now);
  }
}

/** When the call happens: the time it carries. */
export function callTime(call: StoreCall): Date {
  return "request" in call ? call.request.now : call.now;
}

/** The call as applied at `now`: its caller stamped it when posting it, and whoever applies it under the lock stamps it again. */
export function callAt<C extends StoreCall>(call: C, now: Date): C {
  return "request" in call ? { ...call, request: { ...call.request, now } } : { ...call, now };
}

/** The call as JSON text; its times as ISO strings. */
export function encodeCall(call: StoreCall): string {
  return JSON.stringify(call);
}

const isoDate = z.iso.datetime();
const requestSchema = z.looseObject({ now: isoDate });
const callSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("create"), tasks: z.array(z.looseObject({})), now: isoDate }),
  z.object({ op: z.enum(["claim", "complete", "release", "heartbeat", "cancel"]), request: requestSchema }),
  z.object({ op: z.literal("metadata"), patch: z.record(z.string(), z.json()), now: isoDate }),
]);

/**
 * The call in `text`, or null when it is not one. Only its shape is checked: its
 * requests were validated by the TaskManager of the process that wrote it, and the
 * rules check everything a request could get wrong about the workflow. The call is the
 * parsed JSON itself, its times made Dates, not zod's copy: that copy would drop keys
 * such as `__proto__` that the caller's own run keeps.
 */
export function decodeCall(text: string): StoreCall | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!callSchema.safeParse(raw).success) return null;
  const call = raw as { op: string; now?: unknown; request?: { now: unknown } };
  if (call.request) call.request.now = new Date(call.request.now as string);
  else call.now = new Date(call.now as string);
  return call as StoreCall;
}
