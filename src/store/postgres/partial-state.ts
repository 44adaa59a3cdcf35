/**
 * The PostgreSQL store's partial state (see store/sql/partial-state.ts): its tasks are read
 * before the rule runs (the rules are synchronous, the database is not), a level of
 * dependencies per query, and each changed task is written back only if its row is still
 * the version that was read (else WriteConflict, and the operation starts over).
 */
import { TaskStatus, type StoredTask } from "../../core/schema.js";
import { PartialWorkflowState } from "../sql/partial-state.js";
import { taskColumns } from "../sql/task-columns.js";
import type { Session } from "./database.js";
import * as sql from "./statements.js";
import type { RowWrite } from "./statements.js";
import { hasUnfoldedClaim, taskOfRow, type TaskRow } from "./task-rows.js";

interface Loaded {
  seq: string;
  version: number;
  status: string;
  json: string;
}

/** A row changed since it was read: the operation is run again from the start. */
export class WriteConflict extends Error {
  constructor() {
    super("A task changed while the change was being made; it is made again.");
  }
}

/** Made with a null session: a view of rows already in hand, which must not read (see PostgresStore's fast path). */
export class PartialState extends PartialWorkflowState<Loaded, Session | null, string> {
  /** Puts a row's task in the state (once); returns the task. */
  add(row: TaskRow): StoredTask {
    return this.addRead(row.id, () => {
      const task = taskOfRow(this.location, row);
      // The body is the task's JSON unless a claim was folded in: reusing it spares a stringify, and reads a task nested too deep to stringify.
      const json = hasUnfoldedClaim(row) ? JSON.stringify(task) : row.body;
      return { task, loaded: { seq: row.seq, version: row.version, status: row.status, json } };
    });
  }

  /** Reads the tasks with these ids that are not in the state yet. */
  async loadMany(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.get(id));
    if (missing.length === 0 || this.wf === null) return;
    for (const row of await sql.tasksByIds(this.requireSession(), this.wf, missing)) this.add(row);
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
    if (want.descendants) for (const row of await sql.descendants(this.requireSession(), this.wf, taskId)) this.add(row);
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
        const written = await sql.writeRows(session, this.wf as string, [row]);
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
    return [...this.changedTasks()].map(({ id, task, json, before, completed }) => ({
      id,
      seq: before.seq,
      version: before.version,
      columns: taskColumns(task, json),
      completed,
      updatedMs: nowMs,
    }));
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
    if (!this.db) throw new Error("PartialState: this view was made without a connection and cannot read or write");
    return this.db;
  }
}
