/**
 * A task as a row of the PostgreSQL store: the columns of store/sql/task-columns.ts, and
 * possibly a claim not yet folded into the body.
 *
 * A claim is one UPDATE that sets the columns and records who claimed, when, the lease
 * the digest of the claim's token and, among paths, of its holder's session (`claim_*`); it leaves the body alone, because rewriting JSON inside SQL would
 * mean jsonb, which reorders keys and refuses "\u0000". Reading such a row applies the
 * very rule a claim applies (rules.claimTask) to the body, so every reader sees the task
 * as claimed; the next write of the row stores that result and clears `claim_*`.
 */
import type { StoredTask } from "../../core/schema.js";
import * as rules from "../../core/workflow-rules.js";
import { parseTaskBody } from "../sql/task-columns.js";

/** The columns every task read selects (statements.ts TASK_COLUMNS); ms columns come as float8, so as numbers. */
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
  claim_session_sha256: string | null;
}

/** Whether the row records a claim its body does not hold yet. */
export function hasUnfoldedClaim(row: TaskRow): row is TaskRow & { claim_agent: string; claim_at_ms: number; claim_lease_seconds: number } {
  return row.claim_agent !== null && row.claim_at_ms !== null && row.claim_lease_seconds !== null;
}

/** The task a row holds, with a claim not yet folded in applied; STATE_FILE_CORRUPT, naming the task, if its body is not JSON. */
export function taskOfRow(location: string, row: TaskRow): StoredTask {
  const task = parseTaskBody(location, row.id, row.body);
  if (hasUnfoldedClaim(row)) {
    const leaseSeconds = row.claim_lease_seconds;
    rules.claimTask(
      task,
      {
        agentId: row.claim_agent,
        now: new Date(row.claim_at_ms),
        leaseSeconds,
        staleAfterMs: leaseSeconds * 1000,
        ...(row.claim_session_sha256 === null ? {} : { sessionDigest: row.claim_session_sha256 }),
      },
      // Not consulted: the lease was decided when the claim was made.
      { initialized_at: "", last_updated: "" },
      row.claim_token_sha256,
    );
  }
  return task;
}
