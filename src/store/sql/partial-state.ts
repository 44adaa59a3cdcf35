/**
 * The rules of core/workflow-rules.ts run on a WorkflowState. A workflow in a database may
 * hold a million tasks, but an operation only ever looks at a few: the task itself, the
 * tasks it depends on (to say whether it is blocked), and, for a cascade, the tasks below it.
 *
 * A partial state is a WorkflowState holding exactly those, read from their rows; after the
 * rule has run, the tasks it changed are written back, so the SQL stores apply the very rules
 * the JSON store applies. Each store's PartialState adds its own reads and writes.
 */
import { defineOwn } from "../../core/define-own.js";
import { TaskStatus, type StoredTask, type WorkflowMetadata, type WorkflowState } from "../../core/schema.js";

/** What a store keeps of a row it read; `json` is the task as read, written back only when the rule made it differ. */
export interface LoadedRow {
  status: string;
  json: string;
}

/** A task the rule changed, with what was read of its row. */
export interface ChangedTask<Loaded extends LoadedRow> {
  id: string;
  task: StoredTask;
  json: string;
  before: Loaded;
  /** It became completed: its dependents have one unmet dependency fewer. */
  completed: boolean;
}

/** `Db`: what the rows are read through; `Wf`: the type of the workflow's row id. */
export abstract class PartialWorkflowState<Loaded extends LoadedRow, Db, Wf> {
  readonly state: WorkflowState;
  protected readonly loaded = new Map<string, Loaded>();

  constructor(
    protected readonly db: Db,
    /** The workflow's row id; null while the workflow has never been written. */
    protected readonly wf: Wf | null,
    protected readonly location: string,
    metadata: WorkflowMetadata,
    workflowType = "generic",
  ) {
    this.state = { workflow_type: workflowType, metadata, tasks: {} };
  }

  /** Puts a task that is not in the database (yet) in the state, to be looked at; it is never written back. */
  include(id: string, task: StoredTask): void {
    if (!this.get(id)) this.put(id, task);
  }

  /** Whether the state holds a task with this id. */
  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Puts a task read from its row in the state, with what to keep of the row; the task already there wins. */
  protected addRead(id: string, read: () => { task: StoredTask; loaded: Loaded }): StoredTask {
    const known = this.get(id);
    if (known) return known;
    const { task, loaded } = read();
    this.put(id, task);
    this.loaded.set(id, loaded);
    return task;
  }

  /** The tasks read whose JSON the rule changed; tasks it added are not among them (createTasks inserts those). */
  protected *changedTasks(): Generator<ChangedTask<Loaded>> {
    for (const [id, before] of this.loaded) {
      const task = this.state.tasks[id] as StoredTask;
      const json = JSON.stringify(task);
      if (json === before.json) continue;
      yield { id, task, json, before, completed: before.status !== TaskStatus.COMPLETED && task.status === TaskStatus.COMPLETED };
    }
  }

  protected get(id: string): StoredTask | undefined {
    return Object.hasOwn(this.state.tasks, id) ? this.state.tasks[id] : undefined;
  }

  private put(id: string, task: StoredTask): void {
    defineOwn(this.state.tasks, id, task);
  }
}
