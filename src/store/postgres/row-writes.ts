/**
 * Writing changed tasks back: one statement for any number of rows, each written only
 * if it is still the version its change was made from, and the unmet dependencies of
 * the tasks that became completed counted down in the same statement, so a completion
 * and the release of its dependents commit together or not at all.
 *
 * Used for one row by PartialState.writeChanges, and for the rows of several agents'
 * completions at once by PostgresStore's fast path (see shared-statement.ts).
 */
import type { Session } from "./database.js";
import type { DerivedColumns } from "./task-rows.js";

export interface RowWrite {
  id: string;
  seq: string;
  /** The version the change was made from: the row is written only while it is still that. */
  version: number;
  columns: DerivedColumns;
  /** The task became completed: its dependents have one unmet dependency fewer. */
  completed: boolean;
  updatedMs: number;
}

/**
 * Writes the rows (of one workflow, distinct tasks) in one statement; returns the seqs of
 * those written, the others having changed since their version was read.
 *
 * The rows are distinct tasks none of which is a dependent of another completed here: a
 * held or changed task's dependencies are all completed already (a claim needs that), so
 * no row is both written and counted down, which one statement could not do to a row twice.
 */
export async function writeRows(session: Session, wf: string, rows: readonly RowWrite[]): Promise<Set<string>> {
  const s = session.s;
  // The row count is written out (LIMIT): the generic plan then costs what a custom one does, and
  // PostgreSQL keeps it instead of planning the statement on every execution. A statement per count.
  const written = await session.write<{ seq: string }>(
    `WITH i AS (
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[], $10::boolean[], $11::text[])
         AS i(seq, version, status, priority, not_before_ms, expires_ms, locked_ms, body, updated_ms, completed, id)
       LIMIT ${rows.length}),
     u AS (
       UPDATE ${s}.tasks t SET status = i.status, priority = i.priority, not_before_ms = i.not_before_ms, expires_ms = i.expires_ms,
         locked_ms = i.locked_ms, body = i.body, updated_ms = i.updated_ms, version = t.version + 1,
         claim_agent = NULL, claim_at_ms = NULL, claim_lease_seconds = NULL, claim_token_sha256 = NULL
       FROM i WHERE t.seq = i.seq AND t.version = i.version
       RETURNING t.seq, i.completed, i.id),
     d AS (
       UPDATE ${s}.tasks t SET unmet_deps = t.unmet_deps - x.n
       FROM (SELECT dd.task_seq, count(*)::int AS n FROM ${s}.task_deps dd JOIN u ON u.completed AND dd.wf = $12::bigint AND dd.dep_id = u.id
             GROUP BY dd.task_seq) x
       WHERE t.seq = x.task_seq)
     SELECT seq FROM u`,
    [
      rows.map((row) => row.seq),
      rows.map((row) => row.version),
      rows.map((row) => row.columns.status),
      rows.map((row) => row.columns.priority),
      rows.map((row) => row.columns.not_before_ms),
      rows.map((row) => row.columns.expires_ms),
      rows.map((row) => row.columns.locked_ms),
      rows.map((row) => row.columns.body),
      rows.map((row) => row.updatedMs),
      rows.map((row) => row.completed),
      rows.map((row) => row.id),
      wf,
    ],
  );
  return new Set(written.map((row) => row.seq));
}
