/**
 * The rules of core/workflow-rules.ts run on a WorkflowState. An operation on a workflow
 * in PostgreSQL looks at a few tasks only: the task itself, the tasks it depends on (to
 * say whether it is blocked), and, for a cascade, the tasks below it. A PartialState is a
 * WorkflowState holding exactly those, read from their rows before the rule runs (the
 * rules are synchronous, the database is not); afterwards the tasks the rule changed are
 * written back, each only if its row is still the version that was read (else
 * WriteConflict, and the operation starts over).
 */
import { defineOwn } from "../../core/define-own.js";
import { TaskStatus, type StoredTask, type WorkflowMetadata, type WorkflowState } from "../../core/schema.js";
import type { Session } from "./database.js";
import { writeRows, type RowWrite } from "./row-writes.js";
import { TASK_COLUMNS, derivedColumns, hasUnfoldedClaim, taskOfRow, type TaskRow } from "./task-rows.js";

interface Loaded {
  seq: string;
  version: number;
  status: string;
  /** The task as read, as JSON: written back only when the rule made it differ. */
  json: string;
}

/** A row changed since it was read: the operation is run again from the start. */
export class WriteConflict extends Error {
  constructor() {
    super("A task changed while the change was being made; it is made again.");
  }
}

export class PartialState {
  readonly state: WorkflowState;
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    /** null for a view of rows already in hand, which must not read (see PostgresStore's fast path). */
    private readonly session: Session | null,
    /** The workflow's row id; null while the workflow has never been written. */
    private readonly wf: string | null,
    private readonly location: string,
    metadata: WorkflowMetadata,
    workflowType = "generic",
  ) {
    this.state = { workflow_type: workflowType, metadata, tasks: {} };
  }

  /** Puts a row's task in the state (once); returns the task. */
  add(row: TaskRow): StoredTask {
    const known = this.get(row.id);
    if (known) return known;
    const task = taskOfRow(this.location, row);
    this.put(row.id, task);
    // The body is the task's JSON unless a claim was folded in: reusing it spares a stringify, and reads a task nested too deep to stringify.
    const json = hasUnfoldedClaim(row) ? JSON.stringify(task) : row.body;
    this.loaded.set(row.id, { seq: row.seq, version: row.version, status: row.status, json });
    return task;
  }

  /** Puts a task that is not in the database (yet) in the state, to be looked at; it is never written back. */
  include(id: string, task: StoredTask): void {
    if (!this.get(id)) this.put(id, task);
  }

  /** Whether the state holds a task with this id. */
  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Reads the tasks with these ids that are not in the state yet. */
  async loadMany(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.get(id));
    if (missing.length === 0 || this.wf === null) return;
    const session = this.requireSession();
    const rows = await session.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND id = ANY($2::text[])`, [this.wf, missing]);
    for (const row of rows) this.add(row);
  }

  /** The task with this id, read if it is not in the state yet. */
  async load(id: string): Promise<StoredTask | undefined> {
    await this.loadMany([id]);
    return this.get(id);
  }

  /**
   * The tasks blockersOf (core/readiness.ts) looks at for these tasks: their dependencies,
   * and theirs while they are pending with dependencies of their own; a level per query.
   */
  async withDependencies(tasks: Iterable<StoredTask>): Promise<void> {
    const seen = new Set<string>();
    let level = [...tasks].flatMap((task) => (task.status === TaskStatus.PENDING ? (task.depends_on ?? []) : []));
    while (level.length > 0) {
      const ids = level.filter((id) => !seen.has(id));
      for (const id of ids) seen.add(id);
      await this.loadMany(ids);
      level = ids.flatMap((id) => {
        const dep = this.get(id);
        return dep?.status === TaskStatus.PENDING ? (dep.depends_on ?? []) : [];
      });
    }
  }

  /** Loads the task and what its rule may look at besides it: its dependencies, its descendants (for a cascade). */
  async withNeighbours(taskId: string, want: { dependencies: boolean; descendants: boolean }): Promise<void> {
    const task = await this.load(taskId);
    if (!task || this.wf === null) return; // the rule reports TASK_NOT_FOUND
    if (want.dependencies && (task.depends_on?.length ?? 0) > 0) await this.withDependencies([{ ...task, status: TaskStatus.PENDING }]);
    if (want.descendants) {
      const session = this.requireSession();
      const rows = await session.query<TaskRow>(
        `WITH RECURSIVE below(id) AS (
           SELECT id FROM ${session.s}.tasks WHERE wf = $1 AND parent_id = $2
           UNION SELECT t.id FROM ${session.s}.tasks t JOIN below b ON t.wf = $1 AND t.parent_id = b.id)
         SELECT ${TASK_COLUMNS} FROM ${session.s}.tasks WHERE wf = $1 AND id IN (SELECT id FROM below) ORDER BY seq`,
        [this.wf, taskId],
      );
      for (const row of rows) this.add(row);
    }
  }

  /**
   * Writes back every task the rule changed, counting down the unmet dependencies of
   * those that became completed: one statement for one task, a transaction for several.
   * Throws WriteConflict when a row is no longer the version read.
   */
  async writeChanges(nowMs: number): Promise<number> {
    const changed = this.changedRows(nowMs);
    if (changed.length === 0) return 0;
    const session = this.requireSession();
    const writeAll = async (): Promise<void> => {
      // A statement per row, in order: one statement must not update the same row twice (a task and its dependent).
      for (const row of changed) {
        const written = await writeRows(session, this.wf as string, [row]);
        if (!written.has(row.seq)) throw new WriteConflict();
        this.markWritten(row);
      }
    };
    if (changed.length === 1 || session.inTransaction) await writeAll();
    else await session.transaction(writeAll);
    return changed.length;
  }

  /** The rows of the tasks the rule changed, as they are to be written (each only over the version read). */
  changedRows(nowMs: number): RowWrite[] {
    const changed: RowWrite[] = [];
    for (const [id, before] of this.loaded) {
      const task = this.state.tasks[id] as StoredTask;
      const json = JSON.stringify(task);
      if (json === before.json) continue;
      changed.push({
        id,
        seq: before.seq,
        version: before.version,
        columns: derivedColumns(task, json),
        completed: before.status !== TaskStatus.COMPLETED && task.status === TaskStatus.COMPLETED,
        updatedMs: nowMs,
      });
    }
    return changed;
  }

  /** Records that a row was written, so that a later write of the same view goes over the new version. */
  markWritten(row: RowWrite): void {
    const before = this.loaded.get(row.id);
    if (!before) return;
    before.version = row.version + 1;
    before.status = row.columns.status;
    before.json = row.columns.body;
  }

  private requireSession(): Session {
    if (!this.session) throw new Error("PartialState: this view was made without a connection and cannot read or write");
    return this.session;
  }

  private get(id: string): StoredTask | undefined {
    return Object.hasOwn(this.state.tasks, id) ? this.state.tasks[id] : undefined;
  }

  private put(id: string, task: StoredTask): void {
    defineOwn(this.state.tasks, id, task);
  }
}
