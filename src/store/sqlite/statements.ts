/**
 * Every SQL statement of the SQLite store, prepared once per connection, behind
 * small typed methods. Nothing here knows the rules: it reads and writes rows.
 */
import type { StoredWorkflowColumns } from "../sql/workflow-columns.js";
import type { Database, Statement } from "./driver-types.js";
import type { DerivedColumns } from "./task-rows.js";

export interface WorkflowRow extends StoredWorkflowColumns {
  wf: number;
  name: string;
  last_updated: string;
  version: number;
}

/** What a rule needs of a task row: where it is, and the task. */
export interface TaskRow {
  seq: number;
  id: string;
  status: string;
  unmet_deps: number;
  body: string;
}

export interface NewTaskRow extends DerivedColumns {
  wf: number;
  id: string;
  type: string;
  parent_id: string | null;
  unmet_deps: number;
  idempotency_key: string | null;
}

/** A task first in line for a claim, and whether its paths must be checked against the holds. */
export interface ReadyTask {
  seq: number;
  priority: number;
  has_paths: 0 | 1;
}

const TASK_ROW = "seq, id, status, unmet_deps, body";
/** A claimable task: the terms of the partial index tasks_ready, which SQLite uses only when they appear as written. */
const READY = "status = 'pending' AND unmet_deps = 0 AND delayed = 0 AND (not_before_ms IS NULL OR not_before_ms <= @now)";

function typeTerm(type: string | null): string {
  return type === null ? "" : "AND type = @type";
}

function readyParameters(wf: number, nowMs: number, type: string | null): Record<string, unknown> {
  return type === null ? { wf, now: nowMs } : { wf, type, now: nowMs };
}

export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  /** A prepared statement, made on first use (list filters combine into a handful of variants). */
  prepared(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  // Workflows

  workflow(name: string): WorkflowRow | undefined {
    return this.prepared("SELECT * FROM workflows WHERE name = ?").get(name) as WorkflowRow | undefined;
  }

  insertWorkflow(row: Omit<WorkflowRow, "wf" | "version">): number {
    const result = this.prepared(
      "INSERT INTO workflows (name, workflow_type, metadata, last_updated, extra, version) VALUES (@name, @workflow_type, @metadata, @last_updated, @extra, 1)",
    ).run(row);
    return Number(result.lastInsertRowid);
  }

  /** Stamps a committed change: last_updated, and the version other processes watch. */
  touchWorkflow(wf: number, lastUpdated: string): void {
    this.prepared("UPDATE workflows SET last_updated = ?, version = version + 1 WHERE wf = ?").run(lastUpdated, wf);
  }

  setMetadata(wf: number, metadata: string): void {
    this.prepared("UPDATE workflows SET metadata = ? WHERE wf = ?").run(metadata, wf);
  }

  setExtra(wf: number, extra: string | null): void {
    this.prepared("UPDATE workflows SET extra = ? WHERE wf = ?").run(extra, wf);
  }

  setHeader(wf: number, header: StoredWorkflowColumns): void {
    this.prepared("UPDATE workflows SET workflow_type = ?, metadata = ?, extra = ? WHERE wf = ?").run(header.workflow_type, header.metadata, header.extra, wf);
  }

  workflowNames(): string[] {
    return this.prepared("SELECT name FROM workflows ORDER BY name").pluck().all() as string[];
  }

  workflowVersions(): Map<string, number> {
    const rows = this.prepared("SELECT name, version FROM workflows").all() as { name: string; version: number }[];
    return new Map(rows.map((row) => [row.name, row.version]));
  }

  // Tasks by id

  task(wf: number, id: string): TaskRow | undefined {
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND id = ?`).get(wf, id) as TaskRow | undefined;
  }

  hasTask(wf: number, id: string): boolean {
    return this.prepared("SELECT 1 FROM tasks WHERE wf = ? AND id = ?").pluck().get(wf, id) !== undefined;
  }

  seqOf(wf: number, id: string): number | undefined {
    return this.prepared("SELECT seq FROM tasks WHERE wf = ? AND id = ?").pluck().get(wf, id) as number | undefined;
  }

  statusOf(wf: number, id: string): string | undefined {
    return this.prepared("SELECT status FROM tasks WHERE wf = ? AND id = ?").pluck().get(wf, id) as string | undefined;
  }

  idOfKey(wf: number, key: string): string | undefined {
    return this.prepared("SELECT id FROM tasks WHERE wf = ? AND idempotency_key = ?").pluck().get(wf, key) as string | undefined;
  }

  taskCount(wf: number): number {
    return this.prepared("SELECT coalesce(sum(n), 0) FROM task_counts WHERE wf = ?").pluck().get(wf) as number;
  }

  // Writing tasks

  /** Inserts a task; the caller counts it (countNew), a batch at a time. */
  insertTask(row: NewTaskRow): number {
    // Positional parameters: binding them is measurably cheaper than named ones, a million times over.
    const result = this.prepared(
      `INSERT INTO tasks (wf, id, type, status, parent_id, priority, unmet_deps, not_before_ms, delayed, expires_ms, locked_ms, idempotency_key, body, has_paths)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.wf,
      row.id,
      row.type,
      row.status,
      row.parent_id,
      row.priority,
      row.unmet_deps,
      row.not_before_ms,
      row.delayed,
      row.expires_ms,
      row.locked_ms,
      row.idempotency_key,
      row.body,
      row.has_paths,
    );
    return Number(result.lastInsertRowid);
  }

  /** Adds `n` new tasks of a type and status to the counts. */
  countNew(wf: number, type: string, status: string, n: number): void {
    this.prepared(
      "INSERT INTO task_counts (wf, type, status, n) VALUES (?, ?, ?, ?) ON CONFLICT (wf, type, status) DO UPDATE SET n = n + excluded.n",
    ).run(wf, type, status, n);
  }

  insertDependency(wf: number, depId: string, taskSeq: number): void {
    this.prepared("INSERT OR IGNORE INTO task_deps (wf, dep_id, task_seq) VALUES (?, ?, ?)").run(wf, depId, taskSeq);
  }

  updateTask(seq: number, columns: DerivedColumns): void {
    this.prepared(
      `UPDATE tasks SET status = @status, priority = @priority, not_before_ms = @not_before_ms, delayed = @delayed,
         expires_ms = @expires_ms, locked_ms = @locked_ms, body = @body, has_paths = @has_paths WHERE seq = @seq`,
    ).run({ ...columns, seq });
  }

  /** `depId` completed: every task waiting on it has one unmet dependency fewer. */
  dependencyCompleted(wf: number, depId: string): void {
    this.prepared(
      "UPDATE tasks SET unmet_deps = unmet_deps - 1 WHERE seq IN (SELECT task_seq FROM task_deps WHERE wf = ? AND dep_id = ?) AND unmet_deps > 0",
    ).run(wf, depId);
  }

  /** Recounts unmet_deps of every task of the workflow that has dependencies (after an import). */
  recountUnmetDependencies(wf: number): void {
    this.prepared(
      `UPDATE tasks SET unmet_deps = (
         SELECT count(*) FROM task_deps d LEFT JOIN tasks t ON t.wf = d.wf AND t.id = d.dep_id
         WHERE d.wf = tasks.wf AND d.task_seq = tasks.seq AND (t.status IS NULL OR t.status <> 'completed'))
       WHERE seq IN (SELECT task_seq FROM task_deps WHERE wf = ?)`,
    ).run(wf);
  }

  // Claims

  /** Held tasks whose lease may have run out: a superset, which the rules then decide on. */
  expiredCandidates(wf: number, nowMs: number, staleAfterMs: number): TaskRow[] {
    const leased = this.prepared(
      `SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND status = 'in_progress' AND expires_ms < ?`,
    ).all(wf, nowMs) as TaskRow[];
    const seedClaims = this.prepared(
      `SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND status = 'in_progress' AND expires_ms IS NULL AND locked_ms < ?`,
    ).all(wf, nowMs - staleAfterMs + 1) as TaskRow[];
    return seedClaims.length === 0 ? leased : [...leased, ...seedClaims].sort((a, b) => a.seq - b.seq);
  }

  /** Scheduled tasks whose time has come enter the claim indexes. */
  promoteDue(wf: number, nowMs: number): void {
    this.prepared("UPDATE tasks SET delayed = 0 WHERE wf = ? AND status = 'pending' AND delayed = 1 AND not_before_ms <= ?").run(wf, nowMs);
  }

  /** The claimable task first in line (highest priority, then oldest), of one type or of any. */
  firstReady(wf: number, nowMs: number, type: string | null): ReadyTask | undefined {
    return this.prepared(`SELECT seq, priority, has_paths FROM tasks WHERE wf = @wf ${typeTerm(type)} AND ${READY} ORDER BY priority DESC, seq LIMIT 1`).get(
      readyParameters(wf, nowMs, type),
    ) as ReadyTask | undefined;
  }

  /** The claimable tasks in line, one at a time: the caller stops at the first it can take. */
  readyInLine(wf: number, nowMs: number, type: string | null): IterableIterator<ReadyTask & { id: string; body: string }> {
    return this.prepared(`SELECT seq, priority, has_paths, id, body FROM tasks WHERE wf = @wf ${typeTerm(type)} AND ${READY} ORDER BY priority DESC, seq`).iterate(
      readyParameters(wf, nowMs, type),
    ) as IterableIterator<ReadyTask & { id: string; body: string }>;
  }

  /** Whether a claimable task without paths (which no hold can keep back) is in line, of one type or of any. */
  hasReadyWithoutPaths(wf: number, nowMs: number, type: string | null): boolean {
    return (
      this.prepared(`SELECT 1 FROM tasks WHERE wf = @wf ${typeTerm(type)} AND ${READY} AND has_paths = 0 LIMIT 1`).pluck().get(readyParameters(wf, nowMs, type)) !==
      undefined
    );
  }

  // Paths

  /** The tasks in progress that declare paths: the holds of tasks (core/path-holds.ts). */
  heldWithPaths(wf: number): TaskRow[] {
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND status = 'in_progress' AND has_paths = 1 ORDER BY seq`).all(wf) as TaskRow[];
  }

  hasHeldWithPaths(wf: number): boolean {
    return this.prepared("SELECT 1 FROM tasks WHERE wf = ? AND status = 'in_progress' AND has_paths = 1 LIMIT 1").pluck().get(wf) !== undefined;
  }

  /** Pending tasks with paths and their dependencies met, ready or scheduled: what a hold may keep back. */
  pendingWithPaths(wf: number): (TaskRow & { type: string; not_before_ms: number | null })[] {
    return this.prepared(
      `SELECT ${TASK_ROW}, type, not_before_ms FROM tasks WHERE wf = ? AND status = 'pending' AND has_paths = 1 AND unmet_deps = 0 ORDER BY seq`,
    ).all(wf) as (TaskRow & { type: string; not_before_ms: number | null })[];
  }

  taskAt(seq: number): TaskRow {
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks WHERE seq = ?`).get(seq) as TaskRow;
  }

  // Neighbourhoods: what a rule may look at besides the task itself

  /** Every task below `id` (children, their children, …), in creation order. */
  descendants(wf: number, id: string): TaskRow[] {
    return this.prepared(
      `WITH RECURSIVE below(id) AS (
         SELECT id FROM tasks WHERE wf = @wf AND parent_id = @id
         UNION
         SELECT t.id FROM tasks t JOIN below ON t.wf = @wf AND t.parent_id = below.id
       )
       SELECT ${TASK_ROW} FROM tasks WHERE wf = @wf AND id IN below ORDER BY seq`,
    ).all({ wf, id }) as TaskRow[];
  }

  children(wf: number, id: string): TaskRow[] {
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND parent_id = ? ORDER BY seq`).all(wf, id) as TaskRow[];
  }

  // Reading many

  /** Pending tasks with a dependency not completed yet: waiting, or blocked for good. */
  waitingTasks(wf: number): TaskRow[] {
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks WHERE wf = ? AND status = 'pending' AND unmet_deps > 0 ORDER BY seq`).all(wf) as TaskRow[];
  }

  counts(wf: number): { type: string; status: string; n: number }[] {
    return this.prepared("SELECT type, status, n FROM task_counts WHERE wf = ? AND n > 0 ORDER BY type, status").all(wf) as { type: string; status: string; n: number }[];
  }

  /** Pending, dependencies met, and not_before still ahead of `now`. */
  scheduledCount(wf: number, nowMs: number): number {
    return this.prepared(
      "SELECT count(*) FROM tasks WHERE wf = ? AND status = 'pending' AND delayed = 1 AND not_before_ms > ? AND unmet_deps = 0",
    ).pluck().get(wf, nowMs) as number;
  }

  /**
   * The earliest not_before of a scheduled task with its dependencies met, of the given types
   * (any when null); with `withoutPaths`, of the tasks that declare no paths only.
   */
  earliestScheduled(wf: number, types: readonly string[] | null, withoutPaths = false): number | undefined {
    const pathless = withoutPaths ? "AND has_paths = 0" : "";
    if (types === null) {
      return this.prepared(
        `SELECT min(not_before_ms) FROM tasks WHERE wf = ? AND status = 'pending' AND delayed = 1 AND unmet_deps = 0 ${pathless}`,
      ).pluck().get(wf) as number | undefined ?? undefined;
    }
    let earliest: number | undefined;
    const statement = this.prepared(
      `SELECT not_before_ms FROM tasks WHERE wf = ? AND status = 'pending' AND delayed = 1 AND unmet_deps = 0 AND type = ? ${pathless} ORDER BY not_before_ms LIMIT 1`,
    ).pluck();
    for (const type of types) {
      const at = statement.get(wf, type) as number | undefined;
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** The held tasks of the given types (any when null), with what their lease end is read from. */
  heldLeases(wf: number, types: readonly string[] | null): { type: string; expires_ms: number | null; locked_ms: number | null }[] {
    const rows = this.prepared("SELECT type, expires_ms, locked_ms FROM tasks WHERE wf = ? AND status = 'in_progress'").all(wf) as {
      type: string;
      expires_ms: number | null;
      locked_ms: number | null;
    }[];
    if (types === null) return rows;
    const wanted = new Set(types);
    return rows.filter((row) => wanted.has(row.type));
  }

  /** One page in creation order after `afterSeq`, filtered; `limit` rows at most. */
  page(wf: number, afterSeq: number, filter: { status?: string | undefined; type?: string | undefined; parentId?: string | undefined }, limit: number): TaskRow[] {
    // The index is named: without statistics SQLite may pick one that finds the rows out of order
    // (by id), and sort a million of them for a page of fifty.
    const index = filter.parentId !== undefined ? "tasks_by_parent" : filter.status !== undefined ? "tasks_by_status" : "tasks_by_seq";
    const terms = ["wf = @wf", "seq > @after"];
    if (filter.status !== undefined) terms.push("status = @status");
    if (filter.type !== undefined) terms.push("type = @type");
    if (filter.parentId !== undefined) terms.push("parent_id = @parentId");
    return this.prepared(`SELECT ${TASK_ROW} FROM tasks INDEXED BY ${index} WHERE ${terms.join(" AND ")} ORDER BY seq LIMIT @limit`).all({
      wf,
      after: afterSeq,
      limit,
      ...(filter.status !== undefined && { status: filter.status }),
      ...(filter.type !== undefined && { type: filter.type }),
      ...(filter.parentId !== undefined && { parentId: filter.parentId }),
    }) as TaskRow[];
  }
}

/** The reads of an export, on a read-only connection of its own (see SqliteStore.exportWorkflow). */
export function exportReads(db: Database): {
  workflowId: (name: string) => number | undefined;
  page: (wf: number, afterSeq: number, limit: number) => { seq: number; id: string; body: string }[];
} {
  const workflowId = db.prepare("SELECT wf FROM workflows WHERE name = ?").pluck();
  const page = db.prepare("SELECT seq, id, body FROM tasks INDEXED BY tasks_by_seq WHERE wf = ? AND seq > ? ORDER BY seq LIMIT ?");
  return {
    workflowId: (name) => workflowId.get(name) as number | undefined,
    page: (wf, afterSeq, limit) => page.all(wf, afterSeq, limit) as { seq: number; id: string; body: string }[],
  };
}
