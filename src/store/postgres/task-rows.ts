/**
 * A task as a row of the PostgreSQL store: the stored task as JSON in `body`, the columns
 * SQL searches by (derived here from the task, nowhere else), and possibly a claim not
 * yet folded into the body.
 *
 * A claim is one UPDATE that sets the columns and records who claimed, when, the lease
 * and the digest of the claim's token (`claim_*`); it leaves the body alone, because rewriting JSON inside SQL would
 * mean jsonb, which reorders keys and refuses "\u0000". Reading such a row applies the
 * very rule a claim applies (rules.claimTask) to the body, so every reader sees the task
 * as claimed; the next write of the row stores that result and clears `claim_*`.
 */
import { StateFileCorruptError } from "../../core/errors.js";
import { TaskStatus, type StoredTask } from "../../core/schema.js";
import { parseTimestamp } from "../../core/time.js";
import * as rules from "../../core/workflow-rules.js";

/** The columns every task read selects (TASK_COLUMNS); ms columns come as float8, so as numbers. */
export interface TaskRow {
  seq: string;
  id: string;
  status: string;
  version: number;
  body: string;
  claim_agent: string | null;
  claim_at_ms: number | null;
  claim_lease_seconds: number | null;
  claim_token_sha256: string | null;
}

export const TASK_COLUMNS = "seq, id, status, version, body, claim_agent, claim_at_ms::float8 AS claim_at_ms, claim_lease_seconds, claim_token_sha256";

/** The columns of a row that follow from its task. */
export interface DerivedColumns {
  status: string;
  priority: number;
  not_before_ms: number | null;
  expires_ms: number | null;
  locked_ms: number | null;
  body: string;
}

/** Stands for an unreadable lease time: before any clock, so the claim counts as expired (as isLeaseExpired has it). */
const UNREADABLE_TIME_MS = -1;

export function derivedColumns(task: StoredTask, body = JSON.stringify(task)): DerivedColumns {
  const notBefore = task.not_before == null ? Number.NaN : parseTimestamp(task.not_before);
  let expiresMs: number | null = null;
  let lockedMs: number | null = null;
  if (task.status === TaskStatus.IN_PROGRESS) {
    if (task.lease_expires_at != null) expiresMs = readableMs(task.lease_expires_at);
    else if (task.locked_at !== null) lockedMs = readableMs(task.locked_at);
  }
  return {
    status: task.status,
    priority: task.priority ?? 0,
    not_before_ms: Number.isNaN(notBefore) ? null : Math.floor(notBefore),
    expires_ms: expiresMs,
    locked_ms: lockedMs,
    body,
  };
}

function readableMs(stamp: string): number {
  const ms = parseTimestamp(stamp);
  return Number.isNaN(ms) ? UNREADABLE_TIME_MS : Math.floor(ms);
}

/** Whether the row records a claim its body does not hold yet. */
export function hasUnfoldedClaim(row: TaskRow): row is TaskRow & { claim_agent: string; claim_at_ms: number; claim_lease_seconds: number } {
  return row.claim_agent !== null && row.claim_at_ms !== null && row.claim_lease_seconds !== null;
}

/** The task a row holds, with a claim not yet folded in applied; STATE_FILE_CORRUPT, naming the task, if its body is not JSON. */
export function taskOfRow(location: string, row: TaskRow): StoredTask {
  let task: StoredTask;
  try {
    task = JSON.parse(row.body) as StoredTask;
  } catch (error) {
    throw new StateFileCorruptError(location, `task "${row.id}" is not valid JSON: ${(error as Error).message}`);
  }
  if (hasUnfoldedClaim(row)) {
    const leaseSeconds = row.claim_lease_seconds;
    rules.claimTask(
      task,
      { agentId: row.claim_agent, now: new Date(row.claim_at_ms), leaseSeconds, staleAfterMs: leaseSeconds * 1000 },
      // Not consulted: the lease was decided when the claim was made.
      { initialized_at: "", last_updated: "" },
      row.claim_token_sha256,
    );
  }
  return task;
}
