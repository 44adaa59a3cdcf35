/**
 * A workflow kept in a SQLite database — one file per state directory holds all its
 * workflows — for workflows of up to millions of tasks on one machine.
 *
 * The semantics are the JSON store's by construction: every change runs the rule of
 * core/workflow-rules.ts on a PartialState holding just the tasks that rule looks at,
 * and writes back what it changed. What the JSON store finds by looking at every
 * task, SQL finds through an index: the next claimable task, the expired leases,
 * the counts of a summary, a page of a listing, the tasks in progress that hold paths.
 * Explicit path reservations live in the workflow row's `extra` (reservations-column.ts).
 *
 * Every change is one BEGIN IMMEDIATE transaction (shared with the other changes this
 * process asks for at the same moment, see sqlite/shared-transaction.ts), so a task is
 * claimed exactly once however many processes claim; reads take no lock and see the
 * last commit. Each change reads the clock as it is applied in that transaction, after
 * any wait for another process's: its lease and timestamps count from then.
 */
import { pathsFreedAt, type ClaimabilityQuery } from "../../core/claim-timing.js";
import { TaskNotFoundError } from "../../core/errors.js";
import { holdsOf, type PathHold } from "../../core/path-holds.js";
import * as reservations from "../../core/path-reservations.js";
import type { BlockerMemo } from "../../core/readiness.js";
import {
  TaskStatus,
  type ClaimedTask,
  type CreatedTask,
  type FinishedAndNext,
  type FinishedTask,
  type JsonObject,
  type Reservation,
  type StatusSummary,
  type StoredTask,
  type Task,
  type TaskPage,
  type WorkflowMetadata,
  type WorkflowState,
} from "../../core/schema.js";
import { guardedListener, type ExpiredLease, type NoticeListener } from "../../core/store-notices.js";
import {
  timed,
  type CancelRequest,
  type ClaimRequest,
  type Clock,
  type CompleteRequest,
  type HeartbeatRequest,
  type NewTask,
  type ReleasePathsRequest,
  type ReleaseRequest,
  type ReservePathsRequest,
  type TaskQuery,
  type TaskStore,
  type Timed,
} from "../../core/task-store.js";
import { toIsoTimestamp } from "../../core/time.js";
import { assertWorkflowName } from "../../core/workflow-name.js";
import * as rules from "../../core/workflow-rules.js";
import { workflowNotEmptyError, type WorkflowExport, type WorkflowHeader, type WorkflowImport } from "../../core/workflow-transfer.js";
import { statusSummary } from "../sql/status-summary.js";
import { parseTaskBody } from "../sql/task-columns.js";
import { cancellation, completion, heartbeat, release, releaseExpiredLeases, type TaskChange } from "../sql/task-changes.js";
import { pageOfNoWorkflow, taskPage } from "../sql/task-page.js";
import { headerColumns, workflowHeader, workflowMetadata } from "../sql/workflow-columns.js";
import { openSqliteDatabase, type SqliteDatabase, type SqliteSynchronous } from "./database.js";
import { PartialState } from "./partial-state.js";
import { extraWith, reservationsIn } from "../sql/reservations-column.js";
import { exportReads, type ReadyTask, type Statements, type TaskRow, type WorkflowRow } from "./statements.js";
import { TaskInserter } from "./task-inserter.js";
import { loadBetterSqlite3 } from "./load-better-sqlite3.js";

export interface SqliteStoreOptions {
  /** The database file, `<state-dir>/tasks.sqlite` when opened through Workflows. */
  file: string;
  /** The workflow's name within it. */
  workflow: string;
  /** Seconds a change waits for another process's transaction before LOCK_TIMEOUT (default 5). */
  lockTimeoutSeconds?: number | undefined;
  /** "full" (default): a returned change survives a power cut. "normal": faster, but see SqliteSynchronous. */
  synchronous?: SqliteSynchronous | undefined;
  /** Told of expired leases released and of LOCK_TIMEOUT (see core/store-notices.ts). */
  onNotice?: NoticeListener | undefined;
}

export const DEFAULT_SQLITE_LOCK_TIMEOUT_SECONDS = 5;
interface Claim {
  task: ClaimedTask | null;
  /** The expired leases the claim released first. */
  released: ExpiredLease[];
}
const nothingClaimed = (): Claim => ({ task: null, released: [] });
/** Tasks read per step of an export. */
const EXPORT_PAGE = 1_000;

export class SqliteStore implements TaskStore {
  readonly location: string;
  readonly workflow: string;
  private readonly database: SqliteDatabase;
  private readonly onNotice: NoticeListener | undefined;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.workflow = assertWorkflowName(options.workflow);
    const lockTimeout = options.lockTimeoutSeconds ?? DEFAULT_SQLITE_LOCK_TIMEOUT_SECONDS;
    this.database = openSqliteDatabase(options.file, {
      busyTimeoutMs: lockTimeout * 1000,
      synchronous: options.synchronous ?? "full",
    });
    this.location = `${this.database.file}#${this.workflow}`;
    this.onNotice = guardedListener(options.onNotice);
  }

  // Changes

  createTasks(inputs: readonly NewTask[], clock: Clock): Promise<CreatedTask[]> {
    const planOnNothing = () => {
      const now = clock();
      rules.planNewTasks({ has: () => false, idOfKey: () => undefined }, rules.newWorkflowState(now).metadata, inputs, now);
    };
    return this.database.writeChecked((s) => {
      const now = clock();
      const row = s.workflow(this.workflow);
      const metadata = row ? metadataOf(row) : rules.newWorkflowState(now).metadata;
      const wf = row?.wf ?? null;
      const existing: rules.ExistingTasks =
        wf === null ? { has: () => false, idOfKey: () => undefined } : { has: (id) => s.hasTask(wf, id), idOfKey: (key) => s.idOfKey(wf, key) };
      const plan = rules.planNewTasks(existing, metadata, inputs, now);
      const view = new PartialState(s, wf, this.location, metadata);
      const created = plan.filter((entry): entry is { id: string; created: StoredTask } => entry.created !== null);
      if (created.length > 0) {
        const target = wf ?? this.insertWorkflow(s, { workflow_type: "generic", metadata }, now);
        const inserter = new TaskInserter(s, target, now);
        const fresh = new Set<string>();
        // Tasks of this call that others of it depend on: presenting those others looks them up.
        const needed = new Set(created.flatMap(({ created: task }) => task.depends_on ?? []));
        for (const { id, created: task } of created) {
          const deps = task.depends_on ?? [];
          // A dependency created in this same call is pending; the others are as stored.
          const unmet = deps.filter((dep) => (fresh.has(dep) ? TaskStatus.PENDING : s.statusOf(target, dep)) !== TaskStatus.COMPLETED).length;
          inserter.insert(id, task, unmet);
          fresh.add(id);
          if (needed.has(id)) view.include(id, task);
        }
        inserter.finish();
        if (wf !== null) s.touchWorkflow(wf, toIsoTimestamp(now));
      }
      const memo: BlockerMemo = new Map();
      return plan.map(({ id, created: task }): CreatedTask => {
        const stored = task ?? (view.load(id) as StoredTask);
        view.withDependencies(stored);
        const presented = rules.presentTask(view.state, id, stored, memo);
        return task ? presented : { ...presented, already_existed: true };
      });
    }, planOnNothing);
  }

  async claimNextTask(request: ClaimRequest): Promise<ClaimedTask | null> {
    const { task, released } = await this.database.writeIfExists((s) => this.claimIn(s, request), nothingClaimed);
    this.reportExpired(released);
    return task;
  }

  completeTask(request: CompleteRequest): Promise<FinishedTask> {
    return this.mutate(completion(request));
  }

  /** Both in one transaction: one commit. */
  async completeAndClaimNext(complete: CompleteRequest, claim: ClaimRequest): Promise<FinishedAndNext> {
    const change = completion(complete);
    const { task, next, released } = await this.database.writeIfExists(
      (s) => {
        const finished = this.mutateIn(s, change);
        const { task: claimed, released } = this.claimIn(s, claim);
        return { task: finished, next: claimed, released };
      },
      () => ({ task: this.mutateAbsent(change), next: null, released: [] }),
    );
    this.reportExpired(released);
    return { task, next };
  }

  releaseTask(request: ReleaseRequest): Promise<Task> {
    return this.mutate(release(request));
  }

  heartbeatTask(request: HeartbeatRequest): Promise<Task> {
    return this.mutate(heartbeat(request));
  }

  async cancelTask(request: CancelRequest): Promise<FinishedTask> {
    const cancel = cancellation(request);
    const finished = await this.mutate(cancel);
    this.reportExpired(cancel.lapsed());
    return finished;
  }

  updateMetadata(patch: JsonObject, clock: Clock): Promise<WorkflowMetadata> {
    return this.change((s) => {
      const now = clock();
      const row = s.workflow(this.workflow);
      const state = { workflow_type: row?.workflow_type ?? "generic", metadata: row ? metadataOf(row) : rules.newWorkflowState(now).metadata, tasks: {} };
      const { value } = rules.updateMetadata(state, patch, now);
      if (row) {
        s.setMetadata(row.wf, JSON.stringify(state.metadata));
        s.touchWorkflow(row.wf, toIsoTimestamp(now));
      } else {
        this.insertWorkflow(s, state, now);
      }
      return value;
    });
  }

  reservePaths({ clock, ...request }: ReservePathsRequest): Promise<reservations.ReservationResult> {
    const reserve = (state: WorkflowState, now: Date) => reservations.reservePaths(state, { ...request, now });
    return this.database.writeChecked(
      (s) => this.changeReservations(s, clock, reserve, request.taskId),
      () => {
        const now = clock();
        reserve(rules.newWorkflowState(now), now);
      },
    );
  }

  releasePaths({ clock, ...request }: ReleasePathsRequest): Promise<{ released: string[] }> {
    return this.database.writeIfExists(
      (s) => this.changeReservations(s, clock, (state, now) => reservations.releasePaths(state, { ...request, now })),
      () => ({ released: [] }),
    );
  }

  // Reads

  async getTask(taskId: string): Promise<Task | null> {
    return this.read(
      (s, row) => {
        const view = this.view(s, row);
        const task = view.load(taskId);
        if (!task) return null;
        view.withDependencies(task);
        return rules.presentTask(view.state, taskId, task);
      },
      () => null,
    );
  }

  async getTaskChildren(taskId: string): Promise<Task[]> {
    return this.read(
      (s, row) => {
        if (!s.hasTask(row.wf, taskId)) throw new TaskNotFoundError(taskId);
        return this.present(s, row, s.children(row.wf, taskId));
      },
      () => {
        throw new TaskNotFoundError(taskId);
      },
    );
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.read(
      (s, row) => {
        let after = 0;
        if (query.cursor !== undefined) {
          const seq = s.seqOf(row.wf, rules.cursorTaskId(query.cursor));
          if (seq === undefined) throw rules.invalidCursor();
          after = seq;
        }
        const rows = s.page(row.wf, after, query, query.limit + 1);
        return taskPage(this.present(s, row, rows.slice(0, query.limit)), rows.length, query.limit);
      },
      () => pageOfNoWorkflow(query),
    );
  }

  async getStatusSummary(now: Date): Promise<StatusSummary> {
    return this.read(
      (s, row) => {
        const view = this.view(s, row);
        const waiting = s.waitingTasks(row.wf).map((waitingRow) => view.add(waitingRow));
        for (const task of waiting) view.withDependencies(task);
        return statusSummary({
          counts: s.counts(row.wf),
          scheduled: s.scheduledCount(row.wf, now.getTime()),
          conflicting: this.conflictingCount(s, row, now),
          waiting,
          state: view.state,
        });
      },
      () => rules.summarize(rules.newWorkflowState(now), now),
    );
  }

  async listReservations(now: Date): Promise<Reservation[]> {
    return this.read(
      (s, row) => {
        const view = this.view(s, row);
        view.withReservations(reservationsIn(row.extra, this.location));
        return reservations.listReservations(view.state, now);
      },
      () => [],
    );
  }

  async getMetadata(): Promise<WorkflowMetadata> {
    return this.read(
      (_s, row) => metadataOf(row),
      () => rules.newWorkflowState(new Date()).metadata,
    );
  }

  // Waiting (see core/wait-for-claim.ts)

  watchChanges(listener: () => void): () => void {
    return this.database.changes.subscribe((changes) => {
      if (changes.some((change) => change.workflow === this.workflow)) listener();
    });
  }

  /**
   * core/claim-timing.ts's nextClaimTime, answered from the indexes. While paths are held, a
   * task with paths counts from when the holds in the querying holder's way end; tasks
   * without paths are answered from the indexes as always.
   */
  async nextClaimTime(query: ClaimabilityQuery): Promise<Date | null> {
    return this.read(
      (s, row) => {
        const nowMs = query.now.getTime();
        const types = query.taskTypes && query.taskTypes.length > 0 ? [...new Set(query.taskTypes)] : null;
        const { holder } = query;
        const { state, holds } = holder === undefined ? NO_HOLDS : this.holdsAt(s, row, query.now);
        const held = holder !== undefined && holds.length > 0;
        // While holds are in the way, only a ready task without paths is surely claimable now; those with paths are looked at below.
        const readyNow = (type: string | null): boolean => (held ? s.hasReadyWithoutPaths(row.wf, nowMs, type) : s.firstReady(row.wf, nowMs, type) !== undefined);
        if ((types ?? [null]).some(readyNow)) return query.now;
        let earliest = s.earliestScheduled(row.wf, types, held) ?? Number.POSITIVE_INFINITY;
        if (held) {
          const wanted = types === null ? null : new Set(types);
          for (const pending of s.pendingWithPaths(row.wf)) {
            if (wanted !== null && !wanted.has(pending.type)) continue;
            const task = parseTaskBody(this.location, pending.id, pending.body);
            const freed = pathsFreedAt(state, task.paths ?? [], { ...query, holder }, holds);
            if (freed === null) continue;
            earliest = Math.min(earliest, Math.max(freed, pending.not_before_ms ?? nowMs));
          }
        }
        for (const lease of s.heldLeases(row.wf, types)) {
          const deadline = lease.expires_ms ?? (lease.locked_ms === null ? null : lease.locked_ms + query.staleAfterMs);
          // Expired only once strictly past the deadline.
          if (deadline !== null) earliest = Math.min(earliest, deadline + 1);
        }
        if (earliest <= nowMs) return query.now;
        return Number.isFinite(earliest) ? new Date(earliest) : null;
      },
      () => null,
    );
  }

  // Moving between stores

  async exportWorkflow(): Promise<WorkflowExport | null> {
    // A connection of its own, holding one read transaction: the export is one commit's state
    // however long it takes, and the shared connection stays free for the process's work.
    const header = this.read((_s, row) => headerOf(row), () => null);
    if (header === null) return null;
    return { header: header, tasks: this.exportedTasks() };
  }

  async importWorkflow(source: WorkflowImport, clock: Clock): Promise<number> {
    return this.change((s) => {
      const now = clock();
      const row = s.workflow(this.workflow);
      if (row) {
        const count = s.taskCount(row.wf);
        if (count > 0) throw workflowNotEmptyError(this.workflow, count);
      }
      const wf = row?.wf ?? this.insertWorkflow(s, source.header, now);
      s.setHeader(wf, headerColumns(source.header));
      const inserter = new TaskInserter(s, wf, now);
      let count = 0;
      for (const [id, task] of source.tasks) {
        inserter.insert(id, task, 0); // counted below, once every task is in
        count += 1;
      }
      inserter.finish();
      s.recountUnmetDependencies(wf);
      s.touchWorkflow(wf, toIsoTimestamp(now));
      return count;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.database.close();
  }

  // Helpers

  /** Tells the notice listener of the claims whose leases ran out and were released. */
  private reportExpired(leases: ExpiredLease[]): void {
    if (leases.length > 0) this.onNotice?.({ kind: "leases_expired", location: this.location, leases });
  }

  /** One change in the next group transaction. */
  private change<T>(apply: (s: Statements) => T): Promise<T> {
    return this.database.write(apply);
  }

  /** A read of the workflow's row and whatever else `query` needs, in one snapshot; `missing` when it does not exist. */
  private read<T>(query: (s: Statements, row: WorkflowRow) => T, missing: () => T): T {
    return this.database.read((s) => {
      const row = s.workflow(this.workflow);
      return row ? query(s, row) : missing();
    }, missing);
  }

  /**
   * Runs the change's rule over the task and its neighbours and writes back what it
   * changed, stamping the workflow as the JSON store stamps its file.
   */
  private mutate<T>(change: TaskChange<T>): Promise<T> {
    return this.database.writeIfExists(
      (s) => this.mutateIn(s, change),
      () => this.mutateAbsent(change),
    );
  }

  /** Without a database there is no task to change: the rule says so (TASK_NOT_FOUND) on an empty workflow. */
  private mutateAbsent<T>({ clock, rule }: TaskChange<T>): T {
    const now = clock();
    return rule(rules.newWorkflowState(now), now).value;
  }

  /** mutate's change, in the transaction `s` is in. */
  private mutateIn<T>(s: Statements, { clock, taskId, neighbours, rule }: TaskChange<T>): T {
    const now = clock();
    const row = s.workflow(this.workflow);
    const view = new PartialState(s, row?.wf ?? null, this.location, row ? metadataOf(row) : rules.newWorkflowState(now).metadata);
    view.withNeighbours(taskId, neighbours);
    const { value, changed } = rule(view.state, now);
    if (changed && row) {
      view.writeChanges(now);
      s.touchWorkflow(row.wf, toIsoTimestamp(now));
    }
    return value;
  }

  /** claimNextTask's claim, in the transaction `s` is in; with the expired leases it released. */
  private claimIn(s: Statements, request: ClaimRequest): Claim {
    const row = s.workflow(this.workflow);
    if (!row) return nothingClaimed();
    const applied = timed(request, request.clock());
    const { now } = applied;
    const stamp = toIsoTimestamp(now);
    const released = this.releaseExpired(s, row, now, request.staleAfterMs);
    s.promoteDue(row.wf, now.getTime());
    const seq = this.firstReady(s, row, applied);
    if (seq === undefined) {
      if (released.length > 0) s.touchWorkflow(row.wf, stamp);
      return { task: null, released };
    }
    const view = new PartialState(s, row.wf, this.location, metadataOf(row));
    const taskRow = s.taskAt(seq);
    const claimed = rules.claimWithNewToken(taskRow.id, view.add(taskRow), applied, view.state.metadata);
    view.writeChanges(now);
    s.touchWorkflow(row.wf, stamp);
    return { task: claimed, released };
  }

  /** The claims whose leases ran out, released by the rule that claims do it with; returns them for the notice. */
  private releaseExpired(s: Statements, row: WorkflowRow, now: Date, staleAfterMs: number): ExpiredLease[] {
    const candidates = s.expiredCandidates(row.wf, now.getTime(), staleAfterMs);
    if (candidates.length === 0) return [];
    const view = this.view(s, row);
    for (const candidate of candidates) view.add(candidate);
    const released = releaseExpiredLeases(view.state, now, staleAfterMs);
    if (released.length > 0) view.writeChanges(now);
    return released;
  }

  /**
   * The seq of the task a claim takes: the first in line of the requested types whose paths
   * no other holder holds. One indexed look per type, then the best of those, so a claim
   * costs the same at any size; only when that task has paths are the holds read and the
   * lines walked past the tasks they keep back.
   */
  private firstReady(s: Statements, row: WorkflowRow, request: Timed<ClaimRequest>): number | undefined {
    const nowMs = request.now.getTime();
    const lines = request.taskTypes && request.taskTypes.length > 0 ? [...new Set(request.taskTypes)] : [null];
    const first = firstInLine(lines.map((type) => s.firstReady(row.wf, nowMs, type)));
    if (first === undefined || first.has_paths === 0) return first?.seq;
    const view = this.view(s, row);
    view.withHolds(reservationsIn(row.extra, this.location));
    const blocked = rules.pathsBlockedFor(view.state, request);
    const firstFree = (type: string | null): ReadyTask | undefined => {
      for (const ready of s.readyInLine(row.wf, nowMs, type)) {
        if (ready.has_paths === 0 || !blocked(parseTaskBody(this.location, ready.id, ready.body))) return ready;
      }
      return undefined;
    };
    return firstInLine(lines.map(firstFree))?.seq;
  }

  /**
   * A change of the reservations: core/path-reservations.ts's rule on the holds (and the task
   * a reservation is for), the list then written back to the workflow's `extra`.
   */
  private changeReservations<T>(s: Statements, clock: Clock, rule: (state: WorkflowState, now: Date) => rules.Mutation<T>, taskId?: string): T {
    const now = clock();
    const row = s.workflow(this.workflow);
    const view = row ? this.view(s, row) : new PartialState(s, null, this.location, rules.newWorkflowState(now).metadata);
    if (row) view.withHolds(reservationsIn(row.extra, this.location));
    if (taskId !== undefined) view.load(taskId);
    const { value, changed } = rule(view.state, now);
    if (!changed) return value;
    const kept = view.state.reservations;
    if (row) {
      s.setExtra(row.wf, extraWith(row.extra, kept));
      s.touchWorkflow(row.wf, toIsoTimestamp(now));
    } else {
      this.insertWorkflow(s, { workflow_type: "generic", metadata: view.state.metadata, ...(kept && { reservations: kept }) }, now);
    }
    return value;
  }

  /**
   * The holds of the workflow's paths at `now`, with the state holding their tasks. Two
   * indexed looks answer "none" when no task with paths is in progress and nothing is reserved.
   */
  private holdsAt(s: Statements, row: WorkflowRow, now: Date): { state: WorkflowState; holds: readonly PathHold[] } {
    const kept = reservationsIn(row.extra, this.location);
    if (kept.length === 0 && !s.hasHeldWithPaths(row.wf)) return NO_HOLDS;
    const view = this.view(s, row);
    view.withHolds(kept);
    return { state: view.state, holds: holdsOf(view.state, now) };
  }

  /** The ready tasks a hold keeps back from every agent but its holder (pending_counts.conflicting). */
  private conflictingCount(s: Statements, row: WorkflowRow, now: Date): number {
    const { holds } = this.holdsAt(s, row, now);
    if (holds.length === 0) return 0;
    let conflicting = 0;
    for (const pending of s.pendingWithPaths(row.wf)) {
      if (pending.not_before_ms !== null && pending.not_before_ms > now.getTime()) continue; // scheduled
      if (rules.isConflicting(parseTaskBody(this.location, pending.id, pending.body), holds, now)) conflicting += 1;
    }
    return conflicting;
  }

  private view(s: Statements, row: WorkflowRow): PartialState {
    return new PartialState(s, row.wf, this.location, metadataOf(row), row.workflow_type);
  }

  /** Rows as the library returns them: each with `blocked_by` when it waits on a failed or cancelled task. */
  private present(s: Statements, row: WorkflowRow, rows: TaskRow[]): Task[] {
    const view = this.view(s, row);
    const memo: BlockerMemo = new Map();
    return rows.map((taskRow) => {
      const task = view.add(taskRow);
      view.withDependencies(task);
      return rules.presentTask(view.state, taskRow.id, task, memo);
    });
  }

  private insertWorkflow(s: Statements, header: WorkflowHeader, now: Date): number {
    const stamp = toIsoTimestamp(now);
    return s.insertWorkflow({ name: this.workflow, ...headerColumns({ ...header, metadata: { ...header.metadata, last_updated: stamp } }), last_updated: stamp });
  }

  private async *exportedTasks(): AsyncGenerator<[string, StoredTask]> {
    const db = new (loadBetterSqlite3())(this.database.file, { readonly: true, fileMustExist: true });
    try {
      db.exec("BEGIN");
      const reads = exportReads(db);
      const wf = reads.workflowId(this.workflow);
      if (wf === undefined) return;
      for (let after = 0; ; ) {
        const rows = reads.page(wf, after, EXPORT_PAGE);
        for (const row of rows) yield [row.id, parseTaskBody(this.location, row.id, row.body)];
        const last = rows.at(-1);
        if (!last || rows.length < EXPORT_PAGE) return;
        after = last.seq;
      }
    } finally {
      db.close();
    }
  }
}

const NO_HOLDS: { state: WorkflowState; holds: readonly PathHold[] } = { state: rules.newWorkflowState(new Date(0)), holds: [] };

/** The first in claim order (highest priority, then oldest) of the first tasks of several lines. */
function firstInLine(candidates: readonly (ReadyTask | undefined)[]): ReadyTask | undefined {
  let best: ReadyTask | undefined;
  for (const candidate of candidates) {
    if (candidate && (!best || candidate.priority > best.priority || (candidate.priority === best.priority && candidate.seq < best.seq))) best = candidate;
  }
  return best;
}

/** The metadata as stored, with the last_updated of the last change. */
function metadataOf(row: WorkflowRow): WorkflowMetadata {
  return workflowMetadata(row, row.last_updated);
}

function headerOf(row: WorkflowRow): WorkflowHeader {
  return workflowHeader(row, row.last_updated);
}
