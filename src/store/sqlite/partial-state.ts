/**
 * The rules of core/workflow-rules.ts run on a WorkflowState. A workflow in SQLite
 * may hold a million tasks, but an operation only ever looks at a few: the task
 * itself, the tasks it depends on (to say whether it is blocked), and, for a cascade,
 * the tasks below it. A PartialState is a WorkflowState holding exactly those, read
 * from their rows; after the rule has run, the tasks it changed (or added) are
 * written back. So the SQLite store applies the very rules the JSON store applies.
 */
import { defineOwn } from "../../core/define-own.js";
import { TaskStatus, type StoredTask, type WorkflowMetadata, type WorkflowState } from "../../core/schema.js";
import type { Statements, TaskRow } from "./statements.js";
import { derivedColumns, parseBody } from "./task-rows.js";

interface Loaded {
  seq: number;
  status: string;
  body: string;
}

export class PartialState {
  readonly state: WorkflowState;
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    private readonly statements: Statements,
    /** The workflow's row id; null while the workflow has never been written. */
    private readonly wf: number | null,
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
    const task = parseBody(this.location, row.id, row.body);
    this.put(row.id, task);
    this.loaded.set(row.id, { seq: row.seq, status: row.status, body: row.body });
    return task;
  }

  /** The task with this id, read from the database if it is not in the state yet. */
  load(id: string): StoredTask | undefined {
    const known = this.get(id);
    if (known || this.wf === null) return known;
    const row = this.statements.task(this.wf, id);
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
    if (want.descendants) for (const row of this.statements.descendants(this.wf, taskId)) this.add(row);
  }

  /** Puts a task that is not in the database (yet) in the state, to be looked at; it is never written back. */
  include(id: string, task: StoredTask): void {
    if (!this.get(id)) this.put(id, task);
  }

  /**
   * Writes back every task whose JSON the rule changed, counting down the unmet
   * dependencies of those that became completed. Tasks the rule added are not
   * written here (createTasks inserts them itself). Returns how many were written.
   */
  writeChanges(now: Date): number {
    let written = 0;
    for (const [id, before] of this.loaded) {
      const task = this.state.tasks[id] as StoredTask;
      const body = JSON.stringify(task);
      if (body === before.body) continue;
      this.statements.updateTask(before.seq, derivedColumns(task, now, body));
      if (before.status !== TaskStatus.COMPLETED && task.status === TaskStatus.COMPLETED && this.wf !== null) {
        this.statements.dependencyCompleted(this.wf, id);
      }
      before.body = body;
      before.status = task.status;
      written += 1;
    }
    return written;
  }

  private get(id: string): StoredTask | undefined {
    return Object.hasOwn(this.state.tasks, id) ? this.state.tasks[id] : undefined;
  }

  private put(id: string, task: StoredTask): void {
    defineOwn(this.state.tasks, id, task);
  }
}
