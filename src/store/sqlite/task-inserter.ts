/**
 * New task rows, as createTasks and import add them: the row with its derived columns,
 * its dependencies, and its place in the counts, which are added up per type and
 * status and written once per batch.
 */
import type { StoredTask } from "../../core/schema.js";
import type { Statements } from "./statements.js";
import { derivedColumns } from "./task-rows.js";

export class TaskInserter {
  /** `type \0 status` → how many were inserted. */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly statements: Statements,
    private readonly wf: number,
    private readonly now: Date,
  ) {}

  /** Inserts the task; `unmetDeps` is how many of its dependencies are not completed. Returns its seq. */
  insert(id: string, task: StoredTask, unmetDeps: number): number {
    const seq = this.statements.insertTask({
      wf: this.wf,
      id,
      type: task.type,
      parent_id: task.parent_id,
      unmet_deps: unmetDeps,
      idempotency_key: task.idempotency_key ?? null,
      ...derivedColumns(task, this.now),
    });
    if (task.depends_on) for (const dep of new Set(task.depends_on)) this.statements.insertDependency(this.wf, dep, seq);
    const key = `${task.type}\u0000${task.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return seq;
  }

  /** Writes the counts of everything inserted; call once, after the last insert. */
  finish(): void {
    for (const [key, n] of this.counts) {
      const [type = "", status = ""] = key.split("\u0000");
      this.statements.countNew(this.wf, type, status, n);
    }
    this.counts.clear();
  }
}
