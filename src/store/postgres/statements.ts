/**
 * Every SQL statement of the PostgreSQL store, one function each: it takes the session,
 * runs its statement and returns typed rows. Nothing here knows the rules. Schema DDL
 * lives in migrations.ts, the NOTIFY and clock reads in database.ts.
 */
import type { TaskColumns } from "../sql/task-columns.js";
import type { StoredWorkflowColumns } from "../sql/workflow-columns.js";
import { CLOCK_TOLERANCE_MS, type Session } from "./database.js";
import type { TaskRow } from "./task-rows.js";

/** The columns every task read selects (see TaskRow); ms columns come as float8, so as numbers. */
export const TASK_COLUMNS = "seq, id, status, version, body, claim_agent, claim_at_ms::float8 AS claim_at_ms, claim_lease_seconds, claim_token_sha256, claim_session_sha256";

export interface WorkflowRow extends StoredWorkflowColumns {
  wf: string;
  name: string;
  last_updated_ms: number;
  /** Some task declares paths, or it has had a reservation (migration 3): claims look at the holds. */
  uses_paths: boolean;
}

/**
 * How workflowRow locks the row until commit: "update" against every other lock (a change of
 * the header), "paths" against the other changes of the row and other "paths" locks (claims
 * and reservations in a workflow that uses paths) but not against the inserts of its tasks.
 */
export type WorkflowLock = "update" | "paths" | false;

/** A task's row as the claim statement returns it, with the number of the request it went to. */
export type ClaimedRow = TaskRow & { n: string };

// Workflows

/** The workflow's row; `lock` holds it until commit (see WorkflowLock). last_updated counts the latest task change too. */
export async function workflowRow(session: Session, name: string, lock: WorkflowLock): Promise<WorkflowRow | undefined> {
  const s = session.s;
  const locking = lock === "update" ? " FOR UPDATE" : lock === "paths" ? " FOR NO KEY UPDATE" : "";
  const [row] = await session.query<WorkflowRow>(
    `SELECT wf, name, workflow_type, metadata, extra, uses_paths,
  greatest(last_updated_ms, coalesce((SELECT max(updated_ms) FROM ${s}.tasks t WHERE t.wf = w.wf), 0))::float8 AS last_updated_ms FROM ${s}.workflows w WHERE name = $1${locking}`,
    [name],
  );
  return row;
}

/** Marks the workflow as using paths (never undone); a no-op, taking no lock, once it is. */
export async function setUsesPaths(session: Session, wf: string): Promise<void> {
  await session.query(`UPDATE ${session.s}.workflows SET uses_paths = true WHERE wf = $1 AND NOT uses_paths`, [wf]);
}

/**
 * Writes the workflow's other top-level fields (the reservations among them), marking it as
 * using paths; bumps the paths epoch, as a reservation may add holds.
 */
export async function setExtra(session: Session, wf: string, extra: string | null, nowMs: number): Promise<void> {
  await session.query(`UPDATE ${session.s}.workflows SET extra = $2, uses_paths = true, paths_epoch = paths_epoch + 1, last_updated_ms = greatest(last_updated_ms, $3) WHERE wf = $1`, [
    wf,
    extra,
    nowMs,
  ]);
}

/** Inserts the workflow's row unless another process did first. */
export async function insertWorkflow(session: Session, name: string, metadata: string, nowMs: number): Promise<void> {
  await session.query(
    `INSERT INTO ${session.s}.workflows (name, workflow_type, metadata, last_updated_ms) VALUES ($1, 'generic', $2, $3) ON CONFLICT (name) DO NOTHING`,
    [name, metadata, nowMs],
  );
}

export async function setMetadata(session: Session, wf: string, metadata: string, nowMs: number, defaultLeaseSeconds: number | null): Promise<void> {
  await session.query(`UPDATE ${session.s}.workflows SET metadata = $2, last_updated_ms = $3, default_lease_seconds = $4 WHERE wf = $1`, [
    wf,
    metadata,
    nowMs,
    defaultLeaseSeconds,
  ]);
}

export async function setHeader(
  session: Session,
  wf: string,
  header: StoredWorkflowColumns,
  nowMs: number,
  defaultLeaseSeconds: number | null,
): Promise<void> {
  // The extra may bring reservations: the paths epoch moves.
  await session.query(`UPDATE ${session.s}.workflows SET workflow_type = $2, metadata = $3, extra = $4, last_updated_ms = $5, default_lease_seconds = $6, paths_epoch = paths_epoch + 1 WHERE wf = $1`, [
    wf,
    header.workflow_type,
    header.metadata,
    header.extra,
    nowMs,
    defaultLeaseSeconds,
  ]);
}

// Tasks by id

export function tasksByIds(session: Session, wf: string, ids: readonly string[]): Promise<TaskRow[]> {
  return session.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND id = ANY($2::text[])`, [wf, ids]);
}

/** The tasks with these ids, locked against change until the transaction commits. */
/** Bumps the version of those of the tasks not completed, locking them until commit. */
export async function fenceUnfinished(session: Session, wf: string, ids: readonly string[]): Promise<void> {
  await session.query(`UPDATE ${session.s}.tasks SET version = version + 1 WHERE wf = $1 AND id = ANY($2::text[]) AND status <> 'completed'`, [wf, ids]);
}

export function tasksByIdsForShare(session: Session, wf: string, ids: readonly string[]): Promise<TaskRow[]> {
  return session.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND id = ANY($2::text[]) FOR SHARE`, [wf, ids]);
}

export function idsOfKeys(session: Session, wf: string, keys: readonly string[]): Promise<{ id: string; idempotency_key: string }[]> {
  return session.query<{ id: string; idempotency_key: string }>(
    `SELECT id, idempotency_key FROM ${session.s}.tasks WHERE wf = $1 AND idempotency_key = ANY($2::text[])`,
    [wf, keys],
  );
}

export async function seqOf(session: Session, wf: string, id: string): Promise<string | undefined> {
  const [found] = await session.query<{ seq: string }>(`SELECT seq FROM ${session.s}.tasks WHERE wf = $1 AND id = $2`, [wf, id]);
  return found?.seq;
}

export async function taskCount(session: Session, wf: string): Promise<number> {
  const [counted] = await session.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${session.s}.tasks WHERE wf = $1`, [wf]);
  return counted?.n ?? 0;
}

// Neighbourhoods: what a rule may look at besides the task itself

/** Every task below `id` (children, their children, …), in creation order. */
export function descendants(session: Session, wf: string, id: string): Promise<TaskRow[]> {
  const s = session.s;
  return session.query<TaskRow>(
    `WITH RECURSIVE below(id) AS (
           SELECT id FROM ${s}.tasks WHERE wf = $1 AND parent_id = $2
           UNION SELECT t.id FROM ${s}.tasks t JOIN below b ON t.wf = $1 AND t.parent_id = b.id)
         SELECT ${TASK_COLUMNS} FROM ${s}.tasks WHERE wf = $1 AND id IN (SELECT id FROM below) ORDER BY seq`,
    [wf, id],
  );
}

/** The children of `id` in creation order, and the row of `id` itself marked `parent` (none when it does not exist). */
export function childrenAndParent(session: Session, wf: string, id: string): Promise<(TaskRow & { parent: boolean })[]> {
  return session.query<TaskRow & { parent: boolean }>(
    `SELECT ${TASK_COLUMNS}, id = $2 AS parent FROM ${session.s}.tasks WHERE wf = $1 AND (parent_id = $2 OR id = $2) ORDER BY seq`,
    [wf, id],
  );
}

// Writing tasks

/** New tasks' rows, one array per column. */
export interface NewTaskColumns {
  ids: string[];
  types: string[];
  parentIds: (string | null)[];
  idempotencyKeys: (string | null)[];
  unmetDeps: number[];
  columns: TaskColumns[];
  /** Whether each declares paths. */
  hasPaths: boolean[];
}

/** Inserts new tasks' rows; returns each one's seq. */
export function insertTasks(session: Session, wf: string, rows: NewTaskColumns, nowMs: number): Promise<{ seq: string; id: string }[]> {
  return session.query<{ seq: string; id: string }>(
    `INSERT INTO ${session.s}.tasks (wf, id, type, parent_id, idempotency_key, status, priority, unmet_deps, not_before_ms, expires_ms, locked_ms, body, has_paths, updated_ms)
         SELECT $1, * , $14::bigint FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::boolean[])
         RETURNING seq, id`,
    [
      wf,
      rows.ids,
      rows.types,
      rows.parentIds,
      rows.idempotencyKeys,
      rows.columns.map((column) => column.status),
      rows.columns.map((column) => column.priority),
      rows.unmetDeps,
      rows.columns.map((column) => column.not_before_ms),
      rows.columns.map((column) => column.expires_ms),
      rows.columns.map((column) => column.locked_ms),
      rows.columns.map((column) => column.body),
      rows.hasPaths,
      nowMs,
    ],
  );
}

/** The n-th task (by seq) depends on the n-th id. */
export async function insertDependencies(session: Session, wf: string, depIds: readonly string[], taskSeqs: readonly string[]): Promise<void> {
  await session.query(`INSERT INTO ${session.s}.task_deps (wf, dep_id, task_seq) SELECT $1, * FROM unnest($2::text[], $3::bigint[]) ON CONFLICT DO NOTHING`, [
    wf,
    depIds,
    taskSeqs,
  ]);
}

/** Recounts unmet_deps of every task of the workflow: a dependency may be imported after its dependent. */
export async function recountUnmetDependencies(session: Session, wf: string): Promise<void> {
  const s = session.s;
  await session.query(
    `UPDATE ${s}.tasks t SET unmet_deps = (
             SELECT count(*) FROM ${s}.task_deps d LEFT JOIN ${s}.tasks x ON x.wf = d.wf AND x.id = d.dep_id
             WHERE d.wf = t.wf AND d.task_seq = t.seq AND x.status IS DISTINCT FROM 'completed')
           WHERE t.wf = $1`,
    [wf],
  );
}

// Claims

/** What one claim statement is asked: its requests share the types, the lease and the task timeout. */
export interface ClaimParams {
  wf: string;
  /** The earliest of the requests' times: readiness and expiry are judged then. */
  atMs: number;
  staleAfterMs: number;
  types: readonly string[] | null;
  agents: readonly string[];
  leaseSeconds: number | null;
  /** Look for expired leases first and, finding any, claim nothing. */
  checkExpired: boolean;
  /** Each request's own time, and the digest of its claim token. */
  atsMs: readonly number[];
  digests: readonly string[];
}

/**
 * The claim: one statement. Unless asked not to, it first looks for expired leases and,
 * finding any, takes nothing and says so (they are released by the rule, then the claim is
 * made again). Otherwise it locks the first `agents.length` ready tasks in line that no
 * other transaction holds (SKIP LOCKED: racing claims each get different tasks, none waits)
 * and marks the n-th claimed by the n-th request's agent at its time, with the lease the
 * request, the workflow's defaults or the task timeout gives (claimTask's order), and the
 * digest of its token.
 *
 * A statement that waited for a lock on the table (a schema change, a REINDEX, an explicit
 * LOCK) before it could run adds the wait to its requests' times: the claim is made when the
 * wait ends, and its lease counts from then. The wait is the database's clock now minus the
 * start of the statement's own transaction; under CLOCK_TOLERANCE_MS it is noise (planning,
 * a busy server) and taken as none, so the times are exactly the ones passed.
 */
export async function claimReady(session: Session, params: ClaimParams): Promise<{ expired: boolean; paths: boolean; rows: ClaimedRow[] }> {
  const { expired, paths, rows } = await claimStatement(session, params, null);
  return { expired, paths, rows };
}

/**
 * Hand-offs (the store's completeAndClaimNext): the k-th request's task written as `writes[k]`
 * (as writeRows does) and, only if that write applied, a task claimed for it as claimReady
 * claims; one statement, so one commit for all. Being one snapshot, its claim does not see
 * what its writes changed: when they made dependents ready (`freed` counts them) it claims
 * nothing, and a claim made afterwards sees them. `written` has the seqs written; a claimed
 * row's `n` is its request's.
 */
export async function handOff(
  session: Session,
  params: ClaimParams,
  writes: readonly RowWrite[],
): Promise<{ expired: boolean; paths: boolean; rows: ClaimedRow[]; written: Set<string>; freed: number }> {
  return claimStatement(session, params, writes);
}

async function claimStatement(session: Session, params: ClaimParams, writes: readonly RowWrite[] | null) {
  const { types } = params;
  const rows = await session.write<Partial<TaskRow> & { expired: boolean; paths: boolean; n: string | null; written: string[] | null; freed: number | null }>(
    claimSql(session.s, types?.length ?? 0, params.agents.length, writes !== null),
    [
      params.wf,
      params.atMs,
      params.staleAfterMs,
      types === null ? null : types.length === 1 ? types[0] : types,
      params.agents,
      params.leaseSeconds,
      params.checkExpired,
      params.atsMs,
      params.digests,
      ...(writes === null ? [] : rowWriteParams(writes)),
    ],
  );
  const [first] = rows;
  return {
    expired: first?.expired === true,
    paths: first?.paths === true,
    rows: rows.filter((row) => row.id != null) as ClaimedRow[],
    written: new Set(first?.written ?? []),
    freed: first?.freed ?? 0,
  };
}

/** Whether a lease of the workflow $1 has run out at $2 (ms), one of unknown length counting as $3 ms: claims release such leases first. */
function anyExpired(s: string): string {
  return `(EXISTS (SELECT 1 FROM ${s}.tasks x WHERE x.wf = $1 AND x.status = 'in_progress' AND x.expires_ms < $2::bigint)
        OR EXISTS (SELECT 1 FROM ${s}.tasks x WHERE x.wf = $1 AND x.status = 'in_progress' AND x.expires_ms IS NULL AND x.locked_ms < $2::bigint - $3::float8))`;
}

function claimSql(s: string, typeCount: number, count: number, handoff: boolean): string {
  // The workflow's id is a parameter, not looked up in the statement, so the planner walks the
  // ready index in claim order and stops at the first rows it can lock. The LIMIT is written
  // out, not a parameter: a generic plan for an unknown LIMIT may sort every ready task instead.
  // So is the number of requests (LIMIT on the unnest): knowing it, the generic plan costs what
  // a custom one does, and PostgreSQL keeps it instead of planning the statement every time.
  const ofTypes = typeCount === 0 ? "$4::text IS NULL" : typeCount === 1 ? "t.type = $4::text" : "t.type = ANY($4::text[])";
  // A hand-off's writes come first; its k-th request is asked only if its write applied.
  const writes = handoff ? `${rowWritesSql(s, count, 10, 1)},\n` : "";
  const asked = handoff
    ? `SELECT agent, at_ms, digest, k, row_number() OVER (ORDER BY k) AS n
       FROM unnest($5::text[], $8::bigint[], $9::text[], $10::bigint[]) WITH ORDINALITY AS a(agent, at_ms, digest, seq, k)
       WHERE a.seq IN (SELECT seq FROM u)`
    : `SELECT agent, at_ms, digest, n AS k, n FROM unnest($5::text[], $8::bigint[], $9::text[]) WITH ORDINALITY AS a(agent, at_ms, digest, n) LIMIT ${count}`;
  // Nor is anything claimed when its writes made a dependent ready, which this snapshot cannot show:
  // it may come first in line. The caller claims afresh.
  const freedNone = handoff ? " AND NOT EXISTS (SELECT 1 FROM d WHERE d.unmet_deps = 0)" : "";
  const outcome = handoff ? ", ARRAY(SELECT seq::text FROM u) AS written, (SELECT count(*) FROM d WHERE d.unmet_deps = 0)::int AS freed" : "";
  return `
WITH ${writes}paths AS (SELECT coalesce((SELECT uses_paths FROM ${s}.workflows WHERE wf = $1::bigint), false) AS found),
expired AS (SELECT $7::boolean AND NOT (SELECT found FROM paths) AND ${anyExpired(s)} AS found),
picked AS (
  SELECT t.seq, t.priority FROM ${s}.tasks t
  WHERE t.wf = $1::bigint AND t.status = 'pending' AND t.unmet_deps = 0 AND (t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint)
    AND ${ofTypes} AND NOT (SELECT found FROM expired) AND NOT (SELECT found FROM paths)${freedNone}
  ORDER BY t.priority DESC, t.seq
  LIMIT ${count}
  FOR UPDATE OF t SKIP LOCKED),
numbered AS (SELECT seq, row_number() OVER (ORDER BY priority DESC, seq) AS n FROM picked),
asked AS (${asked}),
lease AS (SELECT coalesce($6::float8, (SELECT default_lease_seconds FROM ${s}.workflows WHERE wf = $1::bigint), $3::float8 / 1000) AS seconds),
waited AS (SELECT CASE WHEN w >= ${CLOCK_TOLERANCE_MS} THEN floor(w)::bigint ELSE 0 END AS ms
           FROM (SELECT extract(epoch FROM clock_timestamp() - now()) * 1000 AS w) AS x),
claimed AS (
  UPDATE ${s}.tasks t SET status = 'in_progress', version = t.version + 1, updated_ms = asked.at_ms + waited.ms,
    claim_agent = asked.agent, claim_at_ms = asked.at_ms + waited.ms, claim_lease_seconds = lease.seconds, claim_token_sha256 = asked.digest, claim_session_sha256 = NULL,
    expires_ms = floor((asked.at_ms + waited.ms)::float8 + lease.seconds * 1000)::bigint, locked_ms = NULL
  FROM numbered JOIN asked ON asked.n = numbered.n, lease, waited
  WHERE t.seq = numbered.seq
  RETURNING asked.k AS n, t.seq, t.id, t.status, t.version, t.body, t.claim_agent, t.claim_at_ms::float8 AS claim_at_ms, t.claim_lease_seconds, t.claim_token_sha256, t.claim_session_sha256)
SELECT (SELECT found FROM expired) AS expired, (SELECT found FROM paths) AS paths${outcome}, claimed.* FROM (SELECT 1) AS one LEFT JOIN claimed ON true`;
}

/** Held tasks whose lease may have run out, `limit` at most, skipping those another claim is releasing; locked until commit. */
export function expiredCandidates(session: Session, wf: string, nowMs: number, staleAfterMs: number, limit: number): Promise<TaskRow[]> {
  return session.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND status = 'in_progress'
           AND (expires_ms < $2::bigint OR (expires_ms IS NULL AND locked_ms < $2::bigint - $3::float8))
         ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    [wf, nowMs, staleAfterMs],
  );
}

/**
 * What core/claim-timing.ts's nextClaimTime needs, in database time: whether a task of the
 * types (any when null) is ready, the earliest not_before of a scheduled one, and the
 * earliest lease deadline of a held one. With `holder` (the claimer is known) in a workflow
 * that uses paths, the ready and scheduled tasks that declare paths are left to the caller,
 * which weighs the holds in their way (`uses_paths` says so).
 */
export async function claimability(
  session: Session,
  workflow: string,
  nowMs: number,
  staleAfterMs: number,
  types: readonly string[] | null,
  holder: boolean,
): Promise<{ ready: boolean | null; scheduled: number | null; lease: number | null; uses_paths: boolean } | undefined> {
  const s = session.s;
  const [row] = await session.query<{ ready: boolean | null; scheduled: number | null; lease: number | null; uses_paths: boolean }>(
    `WITH w AS (SELECT wf, uses_paths FROM ${s}.workflows WHERE name = $1)
         SELECT coalesce((SELECT uses_paths FROM w), false) AS uses_paths,
           EXISTS (SELECT 1 FROM ${s}.tasks t, w WHERE t.wf = w.wf AND t.status = 'pending' AND t.unmet_deps = 0
             AND (t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint) AND ($4::text[] IS NULL OR t.type = ANY($4::text[])) AND NOT ($5::boolean AND w.uses_paths AND t.has_paths)) AS ready,
           (SELECT min(t.not_before_ms)::float8 FROM ${s}.tasks t, w WHERE t.wf = w.wf AND t.status = 'pending' AND t.unmet_deps = 0
             AND t.not_before_ms > $2::bigint AND ($4::text[] IS NULL OR t.type = ANY($4::text[])) AND NOT ($5::boolean AND w.uses_paths AND t.has_paths)) AS scheduled,
           (SELECT min(coalesce(t.expires_ms::float8, t.locked_ms + $3::float8)) FROM ${s}.tasks t, w WHERE t.wf = w.wf AND t.status = 'in_progress'
             AND ($4::text[] IS NULL OR t.type = ANY($4::text[]))) AS lease`,
    [workflow, nowMs, staleAfterMs, types, holder],
  );
  return row;
}

// Paths (a workflow that uses them)

/** The tasks in progress that declare paths: the holds of tasks (core/path-holds.ts). */
export function holdingTasks(session: Session, wf: string): Promise<TaskRow[]> {
  return session.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND status = 'in_progress' AND has_paths ORDER BY seq`, [wf]);
}

/** A ready task in claim order, with what keys the next page. */
export type ReadyRow = TaskRow & { priority: number };

/**
 * A page of the ready tasks of the types (any when null) in claim order (priority, then
 * age), after `after` when given: what the claim statement would walk.
 */
export function readyPage(
  session: Session,
  wf: string,
  nowMs: number,
  types: readonly string[] | null,
  after: { priority: number; seq: string } | null,
  limit: number,
): Promise<ReadyRow[]> {
  return session.query<ReadyRow>(
    `SELECT ${TASK_COLUMNS}, priority FROM ${session.s}.tasks t
           WHERE t.wf = $1 AND t.status = 'pending' AND t.unmet_deps = 0 AND (t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint)
             AND ($3::text[] IS NULL OR t.type = ANY($3::text[]))
             AND ($4::int IS NULL OR t.priority < $4::int OR (t.priority = $4::int AND t.seq > $5::bigint))
           ORDER BY t.priority DESC, t.seq LIMIT ${limit}`,
    [wf, nowMs, types, after?.priority ?? null, after?.seq ?? null],
  );
}

/** Marks that holds were added under the workflow's "paths" lock (a claim): optimistic claims that read before then write nothing. */
export async function bumpPathsEpoch(session: Session, wf: string): Promise<void> {
  await session.query(`UPDATE ${session.s}.workflows SET paths_epoch = paths_epoch + 1 WHERE wf = $1`, [wf]);
}

/** What an optimistic claim among paths reads, from one snapshot (see pathsReadSql). */
export interface PathsClaimRead {
  workflow: { workflow_type: string; metadata: string; extra: string | null; paths_epoch: string; expired: boolean; holding_mark: string } | undefined;
  /** The tasks in progress that declare paths. */
  holding: TaskRow[];
  /** Tasks named by `named`, in whatever status. */
  named: TaskRow[];
  /** The first ready tasks of the types, in claim order. */
  ready: ReadyRow[];
}

/**
 * What a claim among paths already knows from an earlier read (postgres/known-verdicts.ts):
 * the paths epoch and holding mark the holds were read at, and which tasks they kept back
 * from the claimer or left free.
 */
export interface KnownHolds {
  epoch: string;
  holdingMark: string;
  blocked: readonly string[];
  free: readonly string[];
}

/** The claim pathsClaimOnKnown makes: its holder, lease and token. */
export interface PathsClaimAsk {
  agent: string;
  sessionDigest: string | null;
  leaseSeconds: number | null;
  tokenDigest: string;
}

type PathsClaimRow = ReadyRow & {
  kind: "claimed" | "workflow" | "holding" | "named" | "ready";
  workflow_type: string;
  metadata: string;
  extra: string | null;
  paths_epoch: string;
  expired: boolean;
  holding_mark: string;
};

/** The workflow $1's tasks in progress with paths, as "seq:version" in seq order: any change of them (a finish, a new holder) changes it. */
function holdingMark(s: string): string {
  return `(SELECT coalesce(string_agg(h.seq || ':' || h.version, ',' ORDER BY h.seq), '') FROM ${s}.tasks h WHERE h.wf = $1 AND h.status = 'in_progress' AND h.has_paths)`;
}

/**
 * The read of a claim among paths ($1 the workflow, $2 the time, $3 the task timeout, $4 the
 * types, $5 the tasks named): the workflow's row with its paths epoch, holding mark and whether
 * a lease has expired; the holding tasks; the tasks named (those the reservations name, as last
 * seen); and the first `limit` ready tasks (as readyPage). `onlyIf` guards each part.
 */
function pathsReadSql(s: string, limit: number, onlyIf: string): string {
  const columns = TASK_COLUMNS.split(", ");
  // The first part names the columns: the task's, empty here.
  const blank =
    "NULL::bigint AS seq, NULL::text AS id, NULL::text AS status, NULL::int AS version, NULL::text AS body, NULL::text AS claim_agent, " +
    "NULL::float8 AS claim_at_ms, NULL::float8 AS claim_lease_seconds, NULL::text AS claim_token_sha256, NULL::text AS claim_session_sha256";
  return `SELECT 'workflow' AS kind, ${blank}, NULL::int AS priority, w.workflow_type, w.metadata, w.extra, w.paths_epoch::text AS paths_epoch,
       ${anyExpired(s)} AS expired, ${holdingMark(s)} AS holding_mark
     FROM ${s}.workflows w WHERE w.wf = $1 AND ${onlyIf}
     UNION ALL
     SELECT 'holding', ${columns.join(", ")}, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ${s}.tasks
     WHERE wf = $1 AND status = 'in_progress' AND has_paths AND ${onlyIf}
     UNION ALL
     SELECT 'named', ${columns.map((column) => `t.${column}`).join(", ")}, NULL, NULL, NULL, NULL, NULL, NULL, NULL
     FROM unnest($5::text[]) AS n(id) JOIN ${s}.tasks t ON t.wf = $1 AND t.id = n.id WHERE ${onlyIf}
     UNION ALL
     (SELECT 'ready', ${columns.join(", ")}, priority, NULL, NULL, NULL, NULL, NULL, NULL FROM ${s}.tasks t
       WHERE t.wf = $1 AND t.status = 'pending' AND t.unmet_deps = 0 AND (t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint)
         AND ($4::text[] IS NULL OR t.type = ANY($4::text[])) AND ${onlyIf}
       ORDER BY t.priority DESC, t.seq LIMIT ${limit})`;
}

function readOf(rows: PathsClaimRow[]): PathsClaimRead {
  const read: PathsClaimRead = { workflow: undefined, holding: [], named: [], ready: [] };
  for (const row of rows) {
    if (row.kind === "workflow") read.workflow = row;
    else if (row.kind !== "claimed") read[row.kind].push(row);
  }
  return read;
}

/** The read of a claim among paths (pathsReadSql), as of one snapshot. */
export async function pathsClaimRead(
  session: Session,
  params: { wf: string; atMs: number; staleAfterMs: number; types: readonly string[] | null; named: readonly string[]; limit: number },
): Promise<PathsClaimRead> {
  const rows = await session.query<PathsClaimRow>(pathsReadSql(session.s, params.limit, "true"), [params.wf, params.atMs, params.staleAfterMs, params.types, params.named]);
  return readOf(rows);
}

/**
 * A claim on `known` holds (read earlier, with the verdicts reached on them), or else the read
 * a new decision needs; one statement, so one snapshot.
 *
 * If the holds are still the ones read (the paths epoch and the holding mark unchanged, no
 * lease run out), it takes the first ready task of the types not known to be kept back,
 * provided that task is known to be free or declares no paths: claimed as the claim statement
 * claims, recording the holder's session, and the epoch bumped as every claim among paths
 * bumps it. Nothing else is returned then. Otherwise it returns pathsClaimRead's rows.
 */
export async function pathsClaimOnKnown(
  session: Session,
  params: { wf: string; atMs: number; staleAfterMs: number; types: readonly string[] | null; named: readonly string[]; limit: number; known: KnownHolds; ask: PathsClaimAsk },
): Promise<{ claimed: TaskRow } | { claimed: null; read: PathsClaimRead }> {
  const s = session.s;
  const { known, ask } = params;
  const columns = TASK_COLUMNS.split(", ");
  const text = `WITH pick AS (
       SELECT t.seq, t.version, t.has_paths FROM ${s}.tasks t
       WHERE t.wf = $1 AND t.status = 'pending' AND t.unmet_deps = 0
         AND (t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint) AND ($4::text[] IS NULL OR t.type = ANY($4::text[]))
         AND t.seq <> ALL($8::bigint[])
       ORDER BY t.priority DESC, t.seq LIMIT 1),
     go AS (
       SELECT EXISTS (SELECT 1 FROM pick WHERE NOT pick.has_paths OR pick.seq = ANY($9::bigint[]))
         AND ${holdingMark(s)} = $7::text AND NOT ${anyExpired(s)} AS ok),
     e AS (
       UPDATE ${s}.workflows SET paths_epoch = paths_epoch + 1 WHERE wf = $1 AND paths_epoch = $6::bigint AND (SELECT ok FROM go)
       RETURNING coalesce($11::float8, default_lease_seconds, $3::float8 / 1000) AS lease_seconds),
     waited AS (SELECT CASE WHEN w >= ${CLOCK_TOLERANCE_MS} THEN floor(w)::bigint ELSE 0 END AS ms
                FROM (SELECT extract(epoch FROM clock_timestamp() - now()) * 1000 AS w) AS x),
     claimed AS (
       UPDATE ${s}.tasks t SET status = 'in_progress', version = t.version + 1, updated_ms = $2::bigint + waited.ms,
         claim_agent = $10::text, claim_at_ms = $2::bigint + waited.ms, claim_lease_seconds = e.lease_seconds,
         claim_token_sha256 = $12::text, claim_session_sha256 = $13::text,
         expires_ms = floor(($2::bigint + waited.ms)::float8 + e.lease_seconds * 1000)::bigint, locked_ms = NULL
       FROM pick, e, waited
       WHERE t.seq = pick.seq AND t.version = pick.version AND t.status = 'pending'
       RETURNING ${columns.map((column) => `t.${column}`).join(", ")})
     SELECT 'claimed' AS kind, ${columns.join(", ")}, NULL::int AS priority, NULL::text AS workflow_type, NULL::text AS metadata, NULL::text AS extra,
       NULL::text AS paths_epoch, NULL::boolean AS expired, NULL::text AS holding_mark
     FROM claimed
     UNION ALL
     ${pathsReadSql(s, params.limit, "NOT EXISTS (SELECT 1 FROM claimed)")}`;
  const rows = await session.write<PathsClaimRow>(text, [
    params.wf,
    params.atMs,
    params.staleAfterMs,
    params.types,
    params.named,
    known.epoch,
    known.holdingMark,
    known.blocked,
    known.free,
    ask.agent,
    ask.leaseSeconds,
    ask.tokenDigest,
    ask.sessionDigest,
  ]);
  const claimed = rows.find((row) => row.kind === "claimed");
  return claimed === undefined ? { claimed: null, read: readOf(rows) } : { claimed };
}

/**
 * Writes a claimed row (as writeRows, over the version read) only while the workflow's paths
 * epoch is still `epoch`, and bumps it: of two claims decided on the same holds, one writes.
 * Under READ COMMITTED a concurrent bump waits for this one and re-checks the epoch on the
 * new row. Whether the row was written.
 */
export async function writeClaimAtEpoch(session: Session, wf: string, epoch: string, row: RowWrite): Promise<boolean> {
  const s = session.s;
  const written = await session.write<{ seq: string }>(
    `WITH e AS (UPDATE ${s}.workflows SET paths_epoch = paths_epoch + 1 WHERE wf = $1 AND paths_epoch = $2::bigint RETURNING 1)
     UPDATE ${s}.tasks t SET status = $5, priority = $6, not_before_ms = $7, expires_ms = $8, locked_ms = $9, body = $10, updated_ms = $11,
       version = t.version + 1, claim_agent = NULL, claim_at_ms = NULL, claim_lease_seconds = NULL, claim_token_sha256 = NULL, claim_session_sha256 = NULL
     WHERE t.seq = $3 AND t.version = $4 AND EXISTS (SELECT 1 FROM e)
     RETURNING t.seq`,
    [wf, epoch, row.seq, row.version, row.columns.status, row.columns.priority, row.columns.not_before_ms, row.columns.expires_ms, row.columns.locked_ms, row.columns.body, row.updatedMs],
  );
  return written.length > 0;
}

/**
 * Pending tasks that declare paths and whose dependencies are met, of the types (any when
 * null): ready ones, and with `scheduled` those whose not_before is still ahead too.
 */
export function pendingWithPaths(session: Session, wf: string, nowMs: number, types: readonly string[] | null, scheduled: boolean): Promise<(TaskRow & { not_before_ms: number | null })[]> {
  return session.query<TaskRow & { not_before_ms: number | null }>(
    `SELECT ${TASK_COLUMNS}, not_before_ms::float8 AS not_before_ms FROM ${session.s}.tasks t
           WHERE t.wf = $1 AND t.status = 'pending' AND t.unmet_deps = 0 AND t.has_paths
             AND ($4::boolean OR t.not_before_ms IS NULL OR t.not_before_ms <= $2::bigint) AND ($3::text[] IS NULL OR t.type = ANY($3::text[]))
           ORDER BY t.seq`,
    [wf, nowMs, types, scheduled],
  );
}

// Reading many

/** Tasks per type and status, in the order the types first appear. */
export function counts(session: Session, wf: string): Promise<{ type: string; status: string; n: number }[]> {
  return session.query<{ type: string; status: string; n: number }>(
    `SELECT type, status, count(*)::int AS n FROM ${session.s}.tasks WHERE wf = $1 GROUP BY type, status ORDER BY min(seq)`,
    [wf],
  );
}

/** Pending, dependencies met, and not_before still ahead of `now`. */
export async function scheduledCount(session: Session, wf: string, nowMs: number): Promise<number> {
  const [scheduled] = await session.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${session.s}.tasks WHERE wf = $1 AND status = 'pending' AND unmet_deps = 0 AND not_before_ms > $2`,
    [wf, nowMs],
  );
  return scheduled?.n ?? 0;
}

/** Pending tasks with a dependency not completed yet: waiting, or blocked for good. */
export function waitingTasks(session: Session, wf: string): Promise<TaskRow[]> {
  return session.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND status = 'pending' AND unmet_deps > 0 ORDER BY seq`, [wf]);
}

/** One page in creation order after `afterSeq`, filtered; `limit` rows at most. */
export function page(
  session: Session,
  wf: string,
  afterSeq: string,
  filter: { status?: string | undefined; type?: string | undefined; parentId?: string | undefined },
  limit: number,
): Promise<TaskRow[]> {
  return session.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks
           WHERE wf = $1 AND seq > $2 AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR type = $4) AND ($5::text IS NULL OR parent_id = $5)
           ORDER BY seq LIMIT $6`,
    [wf, afterSeq, filter.status ?? null, filter.type ?? null, filter.parentId ?? null, limit],
  );
}

/** One page of an export, by the workflow's name, in creation order after `afterSeq`. */
export function exportPage(session: Session, workflow: string, afterSeq: string, limit: number): Promise<TaskRow[]> {
  const s = session.s;
  return session.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM ${s}.tasks WHERE wf = (SELECT wf FROM ${s}.workflows WHERE name = $1) AND seq > $2 ORDER BY seq LIMIT ${limit}`,
    [workflow, afterSeq],
  );
}

// Writing changed tasks back

/**
 * A changed task's row, written only if it is still the version its change was made from;
 * when the task became completed, its dependents' unmet dependencies are counted down in
 * the same statement, so a completion and the release of its dependents commit together.
 * PartialState.writeChanges writes one; the fast path (shared-statement.ts) several agents' at once.
 */
export interface RowWrite {
  id: string;
  seq: string;
  /** The version the change was made from: the row is written only while it is still that. */
  version: number;
  columns: TaskColumns;
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
  const written = await session.write<{ seq: string }>(`WITH ${rowWritesSql(session.s, rows.length, 1, 12)} SELECT seq FROM u`, [...rowWriteParams(rows), wf]);
  return new Set(written.map((row) => row.seq));
}

/**
 * writeRows's CTEs, `u` (the rows written: seq, completed, id) and `d` (the dependents counted
 * down: their unmet_deps after), for `count` rows whose arrays are the parameters from $`first`
 * on (rowWriteParams's order), of the workflow $`wf`.
 */
function rowWritesSql(s: string, count: number, first: number, wf: number): string {
  const $ = (k: number) => `$${first + k}`;
  // The row count is written out (LIMIT): the generic plan then costs what a custom one does, and
  // PostgreSQL keeps it instead of planning the statement on every execution. A statement per count.
  return `i AS (
       SELECT * FROM unnest(${$(0)}::bigint[], ${$(1)}::int[], ${$(2)}::text[], ${$(3)}::int[], ${$(4)}::bigint[], ${$(5)}::bigint[], ${$(6)}::bigint[], ${$(7)}::text[], ${$(8)}::bigint[], ${$(9)}::boolean[], ${$(10)}::text[])
         AS i(seq, version, status, priority, not_before_ms, expires_ms, locked_ms, body, updated_ms, completed, id)
       LIMIT ${count}),
     u AS (
       UPDATE ${s}.tasks t SET status = i.status, priority = i.priority, not_before_ms = i.not_before_ms, expires_ms = i.expires_ms,
         locked_ms = i.locked_ms, body = i.body, updated_ms = i.updated_ms, version = t.version + 1,
         claim_agent = NULL, claim_at_ms = NULL, claim_lease_seconds = NULL, claim_token_sha256 = NULL, claim_session_sha256 = NULL
       FROM i WHERE t.seq = i.seq AND t.version = i.version
       RETURNING t.seq, i.completed, i.id),
     d AS (
       UPDATE ${s}.tasks t SET unmet_deps = t.unmet_deps - x.n
       FROM (SELECT dd.task_seq, count(*)::int AS n FROM ${s}.task_deps dd JOIN u ON u.completed AND dd.wf = $${wf}::bigint AND dd.dep_id = u.id
             GROUP BY dd.task_seq) x
       WHERE t.seq = x.task_seq
       RETURNING t.unmet_deps)`;
}

/** The 11 arrays of rowWritesSql's parameters. */
function rowWriteParams(rows: readonly RowWrite[]): unknown[] {
  return [
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
  ];
}
