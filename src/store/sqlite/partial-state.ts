/**
 * The SQLite store's partial state (see store/sql/partial-state.ts): reads are synchronous,
 * so a task's dependencies are read one by one as the walk reaches them.
 */
import { TaskStatus, type StoredReservation, type StoredTask } from "../../core/schema.js";
import { PartialWorkflowState } from "../sql/partial-state.js";
import { parseTaskBody } from "../sql/task-columns.js";
import type { Statements, TaskRow } from "./statements.js";
import { derivedColumns } from "./task-rows.js";

interface Loaded {
  seq: number;
  status: string;
  json: string;
}

export class PartialState extends PartialWorkflowState<Loaded, Statements, number> {
  /** Puts a row's task in the state (once); returns the task. */
  add(row: TaskRow): StoredTask {
    return this.addRead(row.id, () => ({
      task: parseTaskBody(this.location, row.id, row.body),
      loaded: { seq: row.seq, status: row.status, json: row.body },
    }));
  }

  /** The task with this id, read from the database if it is not in the state yet. */
  load(id: string): StoredTask | undefined {
    const known = this.get(id);
    if (known || this.wf === null) return known;
    const row = this.db.task(this.wf, id);
    return row ? this.add(row) : undefined;
  }

  /**
   * The tasks blockersOf (core/readiness.ts) looks at for `task` once it is pending:
   * its dependencies, and theirs while they are pending with dependencies of their own.
   */
  withDependencies(task: StoredTask): void {
    const queue = [...(task.depends_on ?? [])];
    const seen = new Set<string>();
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const dep = this.load(id);
      if (dep?.status === TaskStatus.PENDING && dep.depends_on) queue.push(...dep.depends_on);
    }
  }

  /**
   * Loads the task and what its rule may look at besides it: its dependencies (to say
   * whether it is blocked once pending), its descendants (for a cascade).
   */
  withNeighbours(taskId: string, want: { dependencies: boolean; descendants: boolean }): void {
    const task = this.load(taskId);
    if (!task || this.wf === null) return; // the rule reports TASK_NOT_FOUND
    if (want.dependencies) this.withDependencies(task);
    if (want.descendants) for (const row of this.db.descendants(this.wf, taskId)) this.add(row);
  }

  /**
   * What holdsOf (core/path-holds.ts) looks at: the tasks in progress with paths, the
   * workflow's reservations, and the tasks those name (a reservation ends with its task).
   */
  withHolds(reservations: readonly StoredReservation[]): void {
    if (this.wf !== null) for (const row of this.db.heldWithPaths(this.wf)) this.add(row);
    this.withReservations(reservations);
  }

  /** The workflow's reservations, and the tasks they name: whether one is in force depends on its task. */
  withReservations(reservations: readonly StoredReservation[]): void {
    if (reservations.length > 0) this.state.reservations = [...reservations];
    for (const reservation of reservations) if (reservation.task_id !== undefined) this.load(reservation.task_id);
  }

  /** Writes back every task the rule changed, counting down the unmet dependencies of those that became completed; returns how many. */
  writeChanges(now: Date): number {
    let written = 0;
    for (const { id, task, json, before, completed } of this.changedTasks()) {
      this.db.updateTask(before.seq, derivedColumns(task, now, json));
      if (completed && this.wf !== null) this.db.dependencyCompleted(this.wf, id);
      before.json = json;
      before.status = task.status;
      written += 1;
    }
    return written;
  }
}
