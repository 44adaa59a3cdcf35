/**
 * A workflow kept in PostgreSQL, for agents on several machines: every process, wherever
 * it runs, opens the same URL, and the database is what makes a claim exactly-once.
 *
 * Every change runs the rule of core/workflow-rules.ts on a partial state (store/sql/) and
 * writes back what it changed, each row only if it is still the version read; else the
 * change is made again from a fresh read.
 *
 * The hot path is the exception. A claim is one UPDATE … FROM (SELECT … FOR UPDATE SKIP
 * LOCKED) that marks the first ready task no other claim holds (task-rows.ts keeps the rule's
 * effect on it), and the holder's completion or heartbeat runs the rule on the row the claim
 * returned, with no read (mutateClaimed); claims, and such writes, asked for while earlier
 * ones are under way share one statement (shared-statement.ts).
 *
 * Time: the core passes the process clock, read right before the statements (again on each
 * retry), and the store moves it onto the database clock by the offset database.ts measured,
 * so leases written by one machine expire when another machine thinks they do. A claim that
 * waited inside its statement for a lock on the table counts its lease from the wait's end.
 *
 * Waiting: every committed change sends NOTIFY (a trigger); watchChanges LISTENs. The SQL
 * text is in statements.ts; this file holds the logic around it.
 *
 * Paths (core/path-holds.ts): a workflow is marked `uses_paths` by the first task that
 * declares paths and by the first reservation, and stays so. Until then nothing changes: the
 * claim statement checks the mark, atomically with its claim, and claims only while it is
 * unset (in such a workflow no task has paths, so no claim can conflict). Once set, claims
 * and reservations take the workflow's row lock ("paths": not against the inserts of its
 * tasks), so two of them never decide on the same holds at once; a claim then loads the holds
 * (the tasks in progress with paths, the reservations, kept in the row's `extra` so export
 * and import carry them, and the tasks they name) and walks the ready tasks in claim order,
 * taking the first the rule (pathsBlockedFor) does not keep back. Holds only shrink while the
 * lock is held (completions, releases, expiries), so deciding on a read made under it is safe.
 * A claim first tries without the lock (claimOptimistic): every change that adds holds bumps
 * the workflow's paths_epoch, and the optimistic claim writes only while the epoch it read is
 * unchanged; a hold removed meanwhile only makes it skip a task it could have taken. What that
 * read decided is kept for the same holder's next claim, which is then one statement while the
 * holds are unchanged (known-verdicts.ts).
 */
import { pathsFreedAt, type ClaimabilityQuery } from "../../core/claim-timing.js";
import { formatClaimToken, newClaimSecret, type ClaimSecret } from "../../core/claim-token.js";
import { TaskNotFoundError } from "../../core/errors.js";
import { claimAfterFinishing } from "../../core/next-claim.js";
import type { BlockerMemo } from "../../core/readiness.js";
import { TaskStatus, type ClaimedTask, type CreatedTask, type FinishedAndNext, type FinishedTask, type JsonObject, type StatusSummary, type StoredTask, type Task, type TaskPage, type WorkflowMetadata } from "../../core/schema.js";
import { guardedListener, type ExpiredLease, type NoticeListener } from "../../core/store-notices.js";
import { type CancelRequest, type ClaimRequest, type Clock, type CompleteRequest, type HeartbeatRequest, type NewTask, type ReleaseRequest, type TaskQuery, type TaskStore } from "../../core/task-store.js";
import { toIsoTimestamp } from "../../core/time.js";
import { readTaskDefaults } from "../../core/workflow-defaults.js";
import { assertWorkflowName } from "../../core/workflow-name.js";
import * as rules from "../../core/workflow-rules.js";
import { holdsOf, type Holder, type PathHold } from "../../core/path-holds.js";
import * as reservations from "../../core/path-reservations.js";
import type { ReservationResult } from "../../core/path-reservations.js";
import type { Reservation, WorkflowState } from "../../core/schema.js";
import type { ReleasePathsRequest, ReservePathsRequest } from "../../core/task-store.js";
import { workflowNotEmptyError, type WorkflowExport, type WorkflowHeader, type WorkflowImport } from "../../core/workflow-transfer.js";
import { extraWith, reservationsIn } from "../sql/reservations-column.js";
import { statusSummary } from "../sql/status-summary.js";
import { taskColumns } from "../sql/task-columns.js";
import { cancellation, completion, heartbeat, release, releaseExpiredLeases, type TaskChange } from "../sql/task-changes.js";
import { pageOfNoWorkflow, taskPage } from "../sql/task-page.js";
import { headerColumns, workflowHeader, workflowMetadata } from "../sql/workflow-columns.js";
import { SharedStatement } from "./shared-statement.js";
import { openPostgresDatabase, type PostgresDatabase, type Session } from "./database.js";
import { PartialState, WriteConflict } from "./partial-state.js";
import * as sql from "./statements.js";
import type { RowWrite, WorkflowLock, WorkflowRow } from "./statements.js";
import { holderKey, VerdictMemory, verdictsOf } from "./known-verdicts.js";
import { taskOfRow, type TaskRow } from "./task-rows.js";

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The workflow's name within the schema. */
  workflow: string;
  /** The schema holding the tables, created if missing (default "task_manager"). */
  schema?: string | undefined;
  /** Connections this process may open (default 10), shared by its stores on the same URL and schema. */
  poolSize?: number | undefined;
  /** "on" (default) or "off": see PostgresDatabaseOptions.synchronousCommit. */
  synchronousCommit?: "on" | "off" | undefined;
  /** Told of expired leases released (see core/store-notices.ts). */
  onNotice?: NoticeListener | undefined;
}

export const DEFAULT_POSTGRES_SCHEMA = "task_manager";
export const DEFAULT_POSTGRES_POOL_SIZE = 10;
/** Rows per INSERT of a large create or import. */
const INSERT_CHUNK = 5_000;
/** Tasks read per step of an export. */
const EXPORT_PAGE = 1_000;
/** Times a change is made again after another process changed its rows first. */
const MAX_CONFLICT_RETRIES = 50;
/** Claimed rows kept for their holder's completion. */
const CLAIMED_ROWS_KEPT = 512;
/** Expired leases released per claim; a claim after it releases more. */
const RELEASE_BATCH = 100;
/**
 * Batches of claims (and, separately, of fast-path writes) under way at once per store, and
 * requests per batch. One: the requests made while a batch is out all go in the next, so the
 * round trip, the executor's start and the commit are shared by as many as possible; two
 * would halve the batches and cost more CPU per task (docs/performance.md).
 */
const BATCHING = { maxInFlight: 1, maxBatch: 64 };

export class PostgresStore implements TaskStore {
  readonly location: string;
  readonly workflow: string;
  private readonly db: PostgresDatabase;
  private readonly onNotice: NoticeListener | undefined;
  /** The workflow's row id once known (it never changes). */
  private wf: string | null = null;
  /** The workflow is known to use paths (never undone): claims go straight to claimEachWithPaths. */
  private usesPaths = false;
  /** The tasks the reservations named when last read: an optimistic claim reads them with the holds. */
  private reservedTaskIds: string[] = [];
  /** What the last optimistic claim's read decided, for the same holder's next claim (known-verdicts.ts). */
  private readonly verdicts = new VerdictMemory();
  /** Rows this process claimed, by task id, as the claim left them. */
  private readonly claimed = new Map<string, TaskRow>();
  /** Claims asked for together, made by one statement. */
  private readonly claims = new SharedStatement<ClaimRequest, ClaimedTask | null>((requests) => this.claimBatch(requests), BATCHING);
  /** The fast path's writes asked for together, made by one statement. */
  private readonly writes = new SharedStatement<FastChange, boolean>((changes) => this.writeBatch(changes), BATCHING);
  /** completeAndClaimNext's completions and claims asked for together, made by one statement. */
  private readonly handoffs = new SharedStatement<Handoff, HandedOff>((handoffs) => this.handOffBatch(handoffs), BATCHING);
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.workflow = assertWorkflowName(options.workflow);
    this.db = openPostgresDatabase({
      url: options.url,
      schema: options.schema ?? DEFAULT_POSTGRES_SCHEMA,
      poolSize: options.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
      synchronousCommit: options.synchronousCommit,
    });
    this.location = `${this.db.safeUrl}#${this.db.schema}/${this.workflow}`;
    this.onNotice = guardedListener(options.onNotice);
  }

  /** Connects and migrates now: STORE_UNAVAILABLE, naming the URL without its password, when it cannot. */
  ready(): Promise<void> {
    return this.db.ready();
  }

  // Changes

  async createTasks(inputs: readonly NewTask[], clock: Clock): Promise<CreatedTask[]> {
    let changed = false;
    const tasks = await this.change((session) =>
      session.transaction(async () => {
        const at = this.at(clock());
        const row = await this.workflowRow(session, true, at);
        const wf = row.wf;
        const metadata = metadataOf(row);
        const view = new PartialState(session, wf, this.location, metadata, row.workflow_type);
        const keys = [...new Set(inputs.flatMap((input) => (input.idempotencyKey !== undefined ? [input.idempotencyKey] : [])))];
        const keyed = new Map<string, string>();
        if (keys.length > 0) {
          for (const { id, idempotency_key: key } of await sql.idsOfKeys(session, wf, keys)) keyed.set(key, id);
        }
        // The parents and dependencies named (and the tasks the keys found, which `#n` may name), locked
        // against change until this commits: a dependency completing meanwhile would otherwise never
        // count down the new task's unmet dependencies.
        const named = new Set([...keyed.values(), ...inputs.flatMap((input) => [...(input.parentId != null ? [input.parentId] : []), ...(input.dependsOn ?? [])])]);
        if (named.size > 0) {
          // The new tasks' dependencies not completed yet also get a new version: a completion written over
          // the version its holder read (the fast path, one statement whose snapshot may predate this create)
          // then finds it changed and is made afresh, counting the new task down; else it could not see it.
          const dependencies = existingDependencies(inputs, keyed);
          if (dependencies.length > 0) await sql.fenceUnfinished(session, wf, dependencies);
          for (const taskRow of await sql.tasksByIdsForShare(session, wf, [...named])) view.add(taskRow);
        }
        // A random id that happens to be taken fails the insert on the unique index; the create is then made again.
        const plan = rules.planNewTasks({ has: (id) => view.has(id), idOfKey: (key) => keyed.get(key) }, metadata, inputs, at);
        const created = plan.filter((entry): entry is { id: string; created: StoredTask } => entry.created !== null);
        await this.insertTasks(session, wf, created, at.getTime(), (id) => view.state.tasks[id]?.status);
        if (created.some(({ created: task }) => hasPaths(task))) await sql.setUsesPaths(session, wf);
        changed = created.length > 0;
        for (const { id, created: task } of created) view.include(id, task);
        await view.loadMany(plan.filter((entry) => entry.created === null).map((entry) => entry.id));
        const tasks = plan.map(({ id }) => view.state.tasks[id] as StoredTask);
        await view.withDependencies(tasks);
        const memo: BlockerMemo = new Map();
        return plan.map(({ id, created: task }): CreatedTask => {
          const presented = rules.presentTask(view.state, id, view.state.tasks[id] as StoredTask, memo);
          return task ? presented : { ...presented, already_existed: true };
        });
      }),
    );
    if (changed) await this.announce();
    return tasks;
  }

  claimNextTask(request: ClaimRequest): Promise<ClaimedTask | null> {
    const { group, request: grouped } = claimGroup(request);
    return this.claims.submit(group, grouped);
  }

  /**
   * Claims for several requests of one group in one statement (see shared-statement.ts):
   * as many ready tasks as there are requests, in claim order, the first to the request
   * that came first; each claimed for its own agent at its own time, under a token of its own.
   */
  private async claimBatch(requests: ClaimRequest[]): Promise<(ClaimedTask | null)[]> {
    if (this.usesPaths) return this.claimEachWithPaths(requests);
    const [first] = requests as [ClaimRequest];
    const types = first.taskTypes ?? null;
    // The n-th request's secret goes to whichever task the n-th row claims; the statement stores its digest.
    const secrets = requests.map(() => newClaimSecret());
    const { rows, released } = await this.db.run(async (session) => {
      let released: ExpiredLease[] = [];
      const wf = this.wf ?? (await this.workflowRow(session, false, new Date()))?.wf;
      if (wf === undefined || this.usesPaths) return { rows: [] as sql.ClaimedRow[], released };
      for (let round = 0; ; round += 1) {
        // Read right before the statement, on every round and retry: the lease starts when the claim is made.
        const ats = requests.map((request) => this.at(request.clock()).getTime());
        // Readiness and expiry are judged at the earliest of their times: what is ready or expired then is so for each.
        const at = new Date(Math.min(...ats));
        const { expired, paths, rows } = await sql.claimReady(session, {
          wf,
          atMs: at.getTime(),
          staleAfterMs: first.staleAfterMs,
          types,
          agents: requests.map((request) => request.agentId),
          leaseSeconds: first.leaseSeconds ?? null,
          checkExpired: round === 0,
          atsMs: ats,
          digests: secrets.map((secret) => secret.digest),
        });
        if (expired) {
          // Expired claims go back to pending first, as the rule has it, so they can be taken by this very claim.
          released = [...released, ...(await this.releaseExpired(session, at, first.staleAfterMs))];
          session.mayHaveCommitted = false; // the claim statement took nothing while it found expired leases
          continue;
        }
        // The workflow uses paths: the statement claimed nothing, and claimWithPaths makes the claims.
        if (paths) this.usesPaths = true;
        return { rows, released };
      }
    });
    if (this.usesPaths) {
      this.reportExpired(released);
      return this.claimEachWithPaths(requests);
    }
    const tasks: (ClaimedTask | null)[] = requests.map(() => null);
    if (rows.length > 0) this.db.claimed(rows.length);
    for (const row of rows) {
      this.remember(row);
      const index = Number(row.n) - 1;
      const task = taskOfRow(this.location, row);
      tasks[index] = claimedTask(row.id, task, secrets[index] as ClaimSecret);
    }
    // Not awaited, on the hot path: the NOTIFY goes out at once, and close() waits for it.
    if (rows.length > 0 || released.length > 0) void this.announce();
    this.reportExpired(released);
    return tasks;
  }

  completeTask(request: CompleteRequest): Promise<FinishedTask> {
    // Without retry or cascade the rule looks at the task alone (a retry presents its blockers, a cascade its descendants).
    return this.mutate(completion(request), request.retry !== true && request.cascade !== true);
  }

  /**
   * On the fast path (a plain completion of a task this process claimed, in a workflow without
   * paths), the completion and the claim are one statement shared with the other agents'
   * hand-offs asked for at the same time (sql.handOff); otherwise, or when that statement could
   * not write the completion, completeTask then claimNextTask. When the statement's claim could
   * not see all there is (expired leases, paths, dependents its completion freed), the claim is
   * made again after it.
   */
  async completeAndClaimNext(complete: CompleteRequest, claim: ClaimRequest): Promise<FinishedAndNext> {
    const plain = complete.retry !== true && complete.cascade !== true && !this.usesPaths;
    const fast = plain ? this.fastChange(complete.clock, complete.taskId, completion(complete).rule) : null;
    if (fast !== null) {
      const { group, request } = claimGroup(claim);
      const handed = await this.handoffs.submit(group, { change: fast.change, claim: request });
      const done = handed.written ? fast.done() : null;
      if (done !== null) return handed.recheck ? claimAfterFinishing(done.value, () => this.claimNextTask(claim)) : { task: done.value, next: handed.next };
    }
    return claimAfterFinishing(await this.completeTask(complete), () => this.claimNextTask(claim));
  }

  /** A batch of hand-offs (of one claim group) in one statement: each request's completion written, then its claim made. */
  private async handOffBatch(handoffs: Handoff[]): Promise<HandedOff[]> {
    const wf = this.wf as string; // fastChange gives changes only once the workflow is known
    const [{ claim: first }] = handoffs as [Handoff];
    const secrets = handoffs.map(() => newClaimSecret());
    const outcome = await this.db.run(async (session) => {
      // Made right before the statement (and again if it is retried): their times count from then.
      const rows = handoffs.map((handoff) => handoff.change());
      const sent = rows.flatMap((row, k) => (row === null ? [] : [k]));
      if (sent.length === 0) return { rows, sent, answer: null };
      const ats = sent.map((k) => this.at((handoffs[k] as Handoff).claim.clock()).getTime());
      const answer = await sql.handOff(
        session,
        {
          wf,
          atMs: Math.min(...ats),
          staleAfterMs: first.staleAfterMs,
          types: first.taskTypes ?? null,
          agents: sent.map((k) => (handoffs[k] as Handoff).claim.agentId),
          leaseSeconds: first.leaseSeconds ?? null,
          checkExpired: true,
          atsMs: ats,
          digests: sent.map((k) => (secrets[k] as ClaimSecret).digest),
        },
        sent.map((k) => rows[k] as RowWrite),
      );
      return { rows, sent, answer };
    });
    const { rows, sent, answer } = outcome;
    const results: HandedOff[] = handoffs.map((_, k) => ({ written: answer !== null && answer.written.has((rows[k] as RowWrite | null)?.seq ?? ""), next: null, recheck: false }));
    if (answer === null) return results;
    if (answer.paths) this.usesPaths = true;
    if (answer.rows.length > 0) this.db.claimed(answer.rows.length);
    for (const row of answer.rows) {
      const k = sent[Number(row.n) - 1] as number;
      this.remember(row);
      (results[k] as HandedOff).next = claimedTask(row.id, taskOfRow(this.location, row), secrets[k] as ClaimSecret);
    }
    // What the statement's one snapshot could not show its claims: a claim made afterwards sees it.
    const unseen = answer.expired || answer.paths || answer.freed > 0;
    for (const result of results) result.recheck = result.written && result.next === null && unseen;
    if (answer.written.size > 0 || answer.rows.length > 0) void this.announce();
    return results;
  }

  releaseTask(request: ReleaseRequest): Promise<Task> {
    return this.mutate(release(request));
  }

  heartbeatTask(request: HeartbeatRequest): Promise<Task> {
    return this.mutate(heartbeat(request), true);
  }

  async cancelTask(request: CancelRequest): Promise<FinishedTask> {
    const cancel = cancellation(request);
    const finished = await this.mutate(cancel);
    this.reportExpired(cancel.lapsed());
    return finished;
  }

  async updateMetadata(patch: JsonObject, clock: Clock): Promise<WorkflowMetadata> {
    const metadata = await this.change((session) =>
      session.transaction(async () => {
        const at = this.at(clock());
        const row = await this.workflowRow(session, true, at, "update");
        const state = { workflow_type: row.workflow_type, metadata: metadataOf(row), tasks: {} };
        const { value } = rules.updateMetadata(state, patch, at);
        await sql.setMetadata(session, row.wf, JSON.stringify(state.metadata), at.getTime(), readTaskDefaults(state.metadata).lease_seconds ?? null);
        return value;
      }),
    );
    await this.announce();
    return metadata;
  }

  /**
   * Claims for the requests one after the other in a workflow that uses paths, each by
   * claimWithPaths (each takes the workflow's lock, so they could not run at once anyway).
   */
  private async claimEachWithPaths(requests: ClaimRequest[]): Promise<(ClaimedTask | null)[]> {
    const tasks: (ClaimedTask | null)[] = [];
    for (const request of requests) {
      const optimistic = await this.claimOptimistic(request);
      tasks.push(optimistic === undefined ? await this.claimWithPaths(request) : optimistic);
    }
    return tasks;
  }

  /**
   * A claim in a workflow that uses paths without the workflow's lock. With the verdicts the
   * holder's last read left (known-verdicts.ts), one statement (sql.pathsClaimOnKnown) claims on
   * them if the holds are still those; otherwise that statement, or without verdicts a read
   * (sql.pathsClaimRead), returns the holds, the epoch and the first ready tasks as of one
   * snapshot. The rule is run on them, and the claim written only while the paths epoch
   * is still the one read (every change that adds holds bumps it), so no hold appeared
   * meanwhile. Undefined when it cannot decide, or lost the race too often: the caller
   * claims under the lock (claimWithPaths).
   */
  private async claimOptimistic(request: ClaimRequest): Promise<ClaimedTask | undefined> {
    const wf = this.wf;
    if (wf === null) return undefined;
    const { clock, ...claim } = request;
    const types = request.taskTypes && request.taskTypes.length > 0 ? [...request.taskTypes] : null;
    const holder = holderKey(request.agentId, request.sessionDigest ?? null);
    const secret = newClaimSecret();
    const ask = { agent: request.agentId, sessionDigest: request.sessionDigest ?? null, leaseSeconds: request.leaseSeconds ?? null, tokenDigest: secret.digest };
    const made = await this.db.run(async (session) => {
      for (let attempt = 0; attempt <= OPTIMISTIC_RETRIES; attempt += 1) {
        const readAt = this.at(clock());
        const known = this.verdicts.forClaim(holder, readAt.getTime());
        const asked = { wf, atMs: readAt.getTime(), staleAfterMs: request.staleAfterMs, types, named: this.reservedTaskIds, limit: FIRST_READY_PAGE };
        let read: sql.PathsClaimRead;
        if (known === null) read = await sql.pathsClaimRead(session, asked);
        else {
          const answer = await sql.pathsClaimOnKnown(session, { ...asked, known, ask });
          if (answer.claimed !== null) {
            this.verdicts.claimedOn(known);
            return { row: answer.claimed, value: claimedTask(answer.claimed.id, taskOfRow(this.location, answer.claimed), secret) };
          }
          session.mayHaveCommitted = false; // it claimed nothing: the holds changed, or the first task was not known free
          read = answer.read;
          if (read.workflow !== undefined) this.verdicts.missed(known, { epoch: read.workflow.paths_epoch, holdingMark: read.workflow.holding_mark });
        }
        const workflow = read.workflow;
        // Expired leases are released under the lock, as the rule has it.
        if (workflow === undefined || workflow.expired) return undefined;
        const kept = reservationsIn(workflow.extra, this.location);
        const named = kept.flatMap((reservation) => (reservation.task_id === undefined ? [] : [reservation.task_id]));
        this.reservedTaskIds = [...new Set(named)];
        // The claim reads only the lease default of the metadata, not its last_updated.
        const metadata = workflowMetadata(workflow, toIsoTimestamp(readAt));
        const view = new PartialState(null, wf, this.location, metadata, workflow.workflow_type);
        for (const taskRow of read.holding) view.add(taskRow);
        for (const taskRow of read.named) view.add(taskRow);
        // A reservation names a task this read did not load: its hold is unknown.
        if (named.some((id) => !view.has(id))) return undefined;
        if (kept.length > 0) view.state.reservations = kept;
        // Timed after the read, as claimWithPaths is: a completion it saw ended before this claim.
        const timed = { ...claim, now: this.at(clock()) };
        const blocked = rules.pathsBlockedFor(view.state, timed);
        // Every ready task read is judged, so the next claims can go by the verdicts.
        const judged = new Map<string, boolean>();
        let claimed: { value: ClaimedTask; row: RowWrite } | undefined;
        for (const ready of read.ready) {
          const task = view.add(ready);
          if (task.status !== TaskStatus.PENDING) continue;
          const isBlocked = blocked(task);
          if (hasPaths(task)) judged.set(ready.seq, isBlocked);
          if (isBlocked || claimed !== undefined) continue;
          rules.claimTask(task, timed, metadata, secret.digest);
          const value = claimedTask(ready.id, task, secret);
          const changes = view.changedRows(timed.now.getTime());
          if (changes.length !== 1) return undefined;
          claimed = { value, row: changes[0] as RowWrite };
        }
        const verdicts = verdictsOf(holder, { epoch: workflow.paths_epoch, holdingMark: workflow.holding_mark }, kept, judged, timed.now.getTime());
        // Nothing free on the first page: the walk past it is claimWithPaths's.
        if (claimed === undefined) return undefined;
        if (await sql.writeClaimAtEpoch(session, wf, workflow.paths_epoch, claimed.row)) {
          this.verdicts.learned(verdicts, workflow.paths_epoch);
          // The row as written: the holder's completion or heartbeat can take the fast path.
          return { value: claimed.value, row: { ...unclaimedRow(claimed.row), version: claimed.row.version + 1 } };
        }
        session.mayHaveCommitted = false; // nothing was claimed: a hold was added, or the task taken, meanwhile
      }
      return undefined;
    });
    if (made === undefined) return undefined;
    this.remember(made.row);
    this.db.claimed(1);
    void this.announce();
    return made.value;
  }

  /**
   * A claim in a workflow that uses paths: one transaction under the workflow's "paths" lock
   * that releases the expired leases, loads the holds, and walks the ready tasks in claim
   * order (a page at a time) to the first that pathsBlockedFor does not keep back; claimed by
   * the rule, with its holder's session in the body, and written over the version read.
   */
  private async claimWithPaths(request: ClaimRequest): Promise<ClaimedTask | null> {
    const { clock, ...asked } = request;
    let released: ExpiredLease[] = [];
    let written: TaskRow | null = null;
    const claimed = await this.change((session) =>
      session.transaction(async (): Promise<ClaimedTask | null> => {
        released = [];
        written = null;
        const row = await this.workflowRow(session, false, new Date(), "paths");
        if (!row) return null;
        // Read once the lock is held: the lease starts when the claim is made.
        const at = this.at(clock());
        released = await this.releaseExpiredHere(session, row, at, request.staleAfterMs);
        const view = this.view(session, row);
        await this.loadHolds(session, row, view);
        // Completions do not take the workflow's lock: the claim is timed after the holds were
        // read, so a task whose completion those reads saw ended (by its own time) before this claim.
        const timed = { ...asked, now: this.at(clock()) };
        const blocked = rules.pathsBlockedFor(view.state, timed);
        const types = request.taskTypes && request.taskTypes.length > 0 ? [...request.taskTypes] : null;
        for (let after: { priority: number; seq: string } | null = null, size = FIRST_READY_PAGE; ; size = READY_PAGE) {
          const page = await sql.readyPage(session, row.wf, timed.now.getTime(), types, after, size);
          for (const ready of page) {
            const task = view.add(ready);
            if (task.status !== TaskStatus.PENDING || blocked(task)) continue;
            const value = rules.claimWithNewToken(ready.id, task, timed, metadataOf(row));
            const changes = view.changedRows(timed.now.getTime());
            const done = await sql.writeRows(session, row.wf, changes);
            if (changes.some((change) => !done.has(change.seq))) throw new WriteConflict();
            // Holds were added: optimistic claims that read before this commits write nothing.
            await sql.bumpPathsEpoch(session, row.wf);
            const mine = changes.find((change) => change.id === ready.id);
            if (mine) written = { ...unclaimedRow(mine), version: mine.version + 1 };
            return value;
          }
          const last = page.at(-1);
          if (last === undefined || page.length < size) return null;
          after = { priority: last.priority, seq: last.seq };
        }
      }),
    );
    // The row as written: the holder's completion or heartbeat can take the fast path.
    if (written !== null) this.remember(written);
    if (claimed !== null) this.db.claimed(1);
    if (claimed !== null || released.length > 0) void this.announce();
    this.reportExpired(released);
    return claimed;
  }

  async reservePaths({ clock, ...request }: ReservePathsRequest): Promise<ReservationResult> {
    return this.changeReservations(clock, true, request.taskId === undefined ? [] : [request.taskId], (state, now) => reservations.reservePaths(state, { ...request, now }));
  }

  async releasePaths({ clock, ...request }: ReleasePathsRequest): Promise<{ released: string[] }> {
    // A release never creates the workflow: without one, there is nothing to release.
    return this.changeReservations(clock, false, [], (state, now) => reservations.releasePaths(state, { ...request, now }));
  }

  async listReservations(now: Date): Promise<Reservation[]> {
    return this.read(async (session, row) => {
      const kept = reservationsIn(row.extra, this.location);
      if (kept.length === 0) return [];
      const view = this.view(session, row);
      view.state.reservations = kept;
      await view.loadMany(kept.flatMap((reservation) => (reservation.task_id === undefined ? [] : [reservation.task_id])));
      return reservations.listReservations(view.state, this.at(now));
    }, []);
  }

  // Reads

  async getTask(taskId: string): Promise<Task | null> {
    return this.read(async (session, row) => {
      const view = this.view(session, row);
      const task = await view.load(taskId);
      if (!task) return null;
      await view.withDependencies([task]);
      return rules.presentTask(view.state, taskId, task);
    }, null);
  }

  async getTaskChildren(taskId: string): Promise<Task[]> {
    const children = await this.read(async (session, row) => {
      const rows = await sql.childrenAndParent(session, row.wf, taskId);
      if (!rows.some((taskRow) => taskRow.parent)) return null;
      return this.present(session, row, rows.filter((taskRow) => !taskRow.parent));
    }, null);
    if (children === null) throw new TaskNotFoundError(taskId);
    return children;
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.read(
      async (session, row) => {
        let after = "0";
        if (query.cursor !== undefined) {
          const seq = await sql.seqOf(session, row.wf, rules.cursorTaskId(query.cursor));
          if (seq === undefined) throw rules.invalidCursor();
          after = seq;
        }
        const rows = await sql.page(session, row.wf, after, query, query.limit + 1);
        return taskPage(await this.present(session, row, rows.slice(0, query.limit)), rows.length, query.limit);
      },
      () => pageOfNoWorkflow(query),
    );
  }

  async getStatusSummary(now: Date): Promise<StatusSummary> {
    return this.read(
      async (session, row) => {
        const counts = await sql.counts(session, row.wf);
        const scheduled = await sql.scheduledCount(session, row.wf, this.at(now).getTime());
        const view = this.view(session, row);
        const waiting = (await sql.waitingTasks(session, row.wf)).map((taskRow) => view.add(taskRow));
        await view.withDependencies(waiting);
        const conflicting = row.uses_paths ? await this.conflictingCount(session, row, this.at(now)) : 0;
        return statusSummary({ counts, scheduled, conflicting, waiting, state: view.state });
      },
      () => rules.summarize(rules.newWorkflowState(now), now),
    );
  }

  async getMetadata(): Promise<WorkflowMetadata> {
    return this.read(
      async (_session, row) => metadataOf(row),
      () => rules.newWorkflowState(new Date()).metadata,
    );
  }

  // Waiting (see core/wait-for-claim.ts)

  watchChanges(listener: () => void): () => void {
    return this.db.changes.subscribe((wf) => {
      if (wf === null || this.wf === null || String(wf) === this.wf) listener();
    });
  }

  /** core/claim-timing.ts's nextClaimTime, answered from the indexes, in database time and back. */
  async nextClaimTime(query: ClaimabilityQuery): Promise<Date | null> {
    return this.db.run(async (session) => {
      const offset = this.db.clockOffsetMs;
      const nowMs = query.now.getTime() + offset;
      const types = query.taskTypes && query.taskTypes.length > 0 ? [...new Set(query.taskTypes)] : null;
      const holder = query.holder;
      // In a workflow that uses paths, SQL answers for the tasks without paths, and the holds in the others' way are weighed here.
      const row = await sql.claimability(session, this.workflow, Math.floor(nowMs), query.staleAfterMs, types, holder !== undefined);
      if (!row || row.ready) return query.now;
      // Expired only once strictly past the deadline.
      let earliest = Math.min(row.scheduled ?? Number.POSITIVE_INFINITY, row.lease === null ? Number.POSITIVE_INFINITY : row.lease + 1);
      if (row.uses_paths && holder !== undefined) {
        const workflow = await this.workflowRow(session, false, new Date());
        if (workflow) earliest = Math.min(earliest, await this.freedWithPaths(session, workflow, holder, Math.floor(nowMs), query.staleAfterMs, types));
      }
      if (earliest <= nowMs) return query.now;
      return Number.isFinite(earliest) ? new Date(earliest - offset) : null;
    });
  }

  // Moving between stores

  async exportWorkflow(): Promise<WorkflowExport | null> {
    const header = await this.read(async (_session, row) => headerOf(row), null);
    if (header === null) return null;
    return { header, tasks: this.exportedTasks() };
  }

  async importWorkflow(source: WorkflowImport, clock: Clock): Promise<number> {
    const count = await this.change((session) =>
      session.transaction(async () => {
        const at = this.at(clock());
        const row = await this.workflowRow(session, true, at, "update");
        const counted = await sql.taskCount(session, row.wf);
        if (counted > 0) throw workflowNotEmptyError(this.workflow, counted);
        const leaseSeconds = readTaskDefaults(source.header.metadata).lease_seconds ?? null;
        await sql.setHeader(session, row.wf, headerColumns(source.header), at.getTime(), leaseSeconds);
        const tasks = [...source.tasks].map(([id, task]) => ({ id, created: task }));
        await this.insertTasks(session, row.wf, tasks, at.getTime(), () => undefined);
        if (tasks.some(({ created }) => hasPaths(created)) || Object.hasOwn(source.header, "reservations")) await sql.setUsesPaths(session, row.wf);
        // Unmet dependencies counted once every task is in: a dependency may come after its dependent.
        await sql.recountUnmetDependencies(session, row.wf);
        return tasks.length;
      }),
    );
    await this.announce();
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  // Helpers

  /** Tells the notice listener of the claims whose leases ran out and were released. */
  private reportExpired(leases: ExpiredLease[]): void {
    if (leases.length > 0) this.onNotice?.({ kind: "leases_expired", location: this.location, leases });
  }

  /** The core's time on the database clock. */
  private at(now: Date): Date {
    const offset = this.db.clockOffsetMs;
    return offset === 0 ? now : new Date(now.getTime() + offset);
  }

  /** A change, made again from a fresh read while other processes changed its rows first. */
  private change<T>(apply: (session: Session) => Promise<T>): Promise<T> {
    return this.db.run(async (session) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await apply(session);
        } catch (error) {
          if (!isConflict(error)) throw error;
          if (attempt >= MAX_CONFLICT_RETRIES) {
            throw this.db.contended(error, attempt, error instanceof WriteConflict ? "the tasks changed while it was being made" : "a new task's id or key was taken meanwhile");
          }
          if (session.inTransaction) await session.client.query("ROLLBACK");
          session.inTransaction = false;
          session.mayHaveCommitted = false; // a conflicting write changed nothing
        }
      }
    });
  }

  /**
   * Runs the change's rule over the task and its neighbours and writes back what it changed.
   * `fast`: the rule looks at the task alone, so the fast path may be tried first.
   */
  private async mutate<T>(change: TaskChange<T>, fast = false): Promise<T> {
    const { clock, taskId, rule } = change;
    if (fast) {
      const done = await this.mutateClaimed(clock, taskId, rule);
      if (done) return done.value;
    }
    let written = 0;
    const value = await this.change(async (session) => {
      const at = this.at(clock());
      const wf = this.wf ?? (await this.workflowRow(session, false, at))?.wf ?? null;
      // These rules do not read the metadata.
      const view = new PartialState(session, wf, this.location, rules.newWorkflowState(at).metadata);
      // A change the fast path does not take starts from the row this process claimed, as the claim left it, when it has it.
      const claimed = fast ? undefined : this.claimed.get(taskId);
      if (!fast) this.claimed.delete(taskId);
      if (claimed && wf !== null) view.add(claimed);
      await view.withNeighbours(taskId, change.neighbours);
      const mutation = rule(view.state, at);
      if (mutation.changed && wf !== null) written = await view.writeChanges(at.getTime());
      return mutation.value;
    });
    if (written > 0) void this.announce(); // as in claimNextTask
    return value;
  }

  /**
   * The fast path of a change to a task this process claimed: the rule runs on the row as
   * the claim left it, with no read, as its batch's statement goes out, and the result is
   * written only if the row is still that version, in one statement shared with the other
   * agents' changes asked for at the same time (see writeBatch). Null when it does not
   * apply: the row is not in hand, it changed since (another process released, cancelled or
   * took the task), or the rule refused on it or changed more than the task; the caller then
   * makes the change by the general path, from a fresh read, which gives the right answer,
   * refusal included.
   */
  private async mutateClaimed<T>(clock: Clock, taskId: string, rule: (state: PartialState["state"], now: Date) => rules.Mutation<T>): Promise<{ value: T } | null> {
    const fast = this.fastChange(clock, taskId, rule);
    if (fast === null || !(await this.writes.submit("", fast.change))) return null;
    return fast.done();
  }

  /**
   * The fast path's change of a task this process claimed, to send in a batch: `change` runs the
   * rule on the row as the claim left it (null when the general path must decide), and `done`,
   * once the batch wrote its row, answers the rule's value. Null when the row is not in hand.
   */
  private fastChange<T>(clock: Clock, taskId: string, rule: (state: PartialState["state"], now: Date) => rules.Mutation<T>): { change: FastChange; done: () => { value: T } | null } | null {
    const claimed = this.claimed.get(taskId);
    const wf = this.wf;
    if (!claimed || wf === null) return null;
    // Used once: a second change to the task by this process reads it afresh (or is handed the row written below).
    this.claimed.delete(taskId);
    const made: { current: { value: T; row: RowWrite } | null } = { current: null };
    const change: FastChange = () => {
      made.current = null;
      const at = this.at(clock());
      const view = new PartialState(null, wf, this.location, rules.newWorkflowState(at).metadata);
      view.add(claimed);
      let mutation: rules.Mutation<T>;
      try {
        mutation = rule(view.state, at);
      } catch {
        return null;
      }
      const rows = mutation.changed ? view.changedRows(at.getTime()) : [];
      // Nothing to write, or not a change of the task alone after all: the general path decides.
      if (rows.length !== 1) return null;
      made.current = { value: mutation.value, row: rows[0] as RowWrite };
      return made.current.row;
    };
    const done = (): { value: T } | null => {
      if (made.current === null) return null;
      const { value, row } = made.current;
      // Still held (a heartbeat): the holder's next change can take the fast path again.
      if (row.columns.status === TaskStatus.IN_PROGRESS) {
        this.remember({ seq: row.seq, id: row.id, status: row.columns.status, version: row.version + 1, body: row.columns.body, claim_agent: null, claim_at_ms: null, claim_lease_seconds: null, claim_token_sha256: null, claim_session_sha256: null });
      }
      void this.announce();
      return { value };
    };
    return { change, done };
  }

  /**
   * The fast path's writes of several changes, one statement; whether each was made and its
   * row still its version, and written. Each change is made right before the statement (and
   * again if it is retried), so its times count from then.
   */
  private async writeBatch(changes: FastChange[]): Promise<boolean[]> {
    const wf = this.wf as string; // mutateClaimed sends changes only once the workflow is known
    return this.db.run(async (session) => {
      const rows = changes.map((change) => change());
      const ready = rows.filter((row): row is RowWrite => row !== null);
      const written = ready.length === 0 ? new Set<string>() : await sql.writeRows(session, wf, ready);
      return rows.map((row) => row !== null && written.has(row.seq));
    });
  }

  /** Tells other processes (and this one) that the workflow changed. */
  private async announce(): Promise<void> {
    if (this.wf !== null) await this.db.announce(this.wf);
  }

  /** Keeps a claimed row for its holder's next change (see mutate), the last few hundred only. */
  private remember(row: TaskRow): void {
    this.claimed.set(row.id, row);
    if (this.claimed.size > CLAIMED_ROWS_KEPT) {
      const oldest = this.claimed.keys().next();
      if (!oldest.done) this.claimed.delete(oldest.value);
    }
  }

  /** A read in one snapshot of the database; `missing` when the workflow does not exist. */
  private read<T>(query: (session: Session, row: WorkflowRow) => Promise<T>, missing: T | (() => T)): Promise<T> {
    return this.db.run((session) =>
      session.transaction(async () => {
        const row = await this.workflowRow(session, false, new Date());
        if (row) return query(session, row);
        return typeof missing === "function" ? (missing as () => T)() : missing;
      }, { isolation: "REPEATABLE READ", readOnly: true }),
    );
  }

  /** The workflow's row; with `create`, made (as the JSON store makes its file) when missing; `lock` holds it until commit. */
  private async workflowRow(session: Session, create: true, now: Date, lock?: WorkflowLock): Promise<WorkflowRow>;
  private async workflowRow(session: Session, create: false, now: Date, lock?: WorkflowLock): Promise<WorkflowRow | null>;
  private async workflowRow(session: Session, create: boolean, now: Date, lock: WorkflowLock = false): Promise<WorkflowRow | null> {
    let row = await sql.workflowRow(session, this.workflow, lock);
    if (!row && create) {
      const { metadata } = rules.newWorkflowState(now);
      await sql.insertWorkflow(session, this.workflow, JSON.stringify(metadata), now.getTime());
      row = await sql.workflowRow(session, this.workflow, lock);
    }
    if (row) this.wf = row.wf;
    if (row?.uses_paths === true) this.usesPaths = true;
    return row ?? null;
  }

  private view(session: Session, row: WorkflowRow): PartialState {
    return new PartialState(session, row.wf, this.location, metadataOf(row), row.workflow_type);
  }

  /** Rows as the library returns them: each with `blocked_by` when it waits on a failed or cancelled task. */
  private async present(session: Session, row: WorkflowRow, rows: TaskRow[]): Promise<Task[]> {
    const view = this.view(session, row);
    const tasks = rows.map((taskRow) => view.add(taskRow));
    await view.withDependencies(tasks);
    const memo: BlockerMemo = new Map();
    return rows.map((taskRow, index) => rules.presentTask(view.state, taskRow.id, tasks[index] as StoredTask, memo));
  }

  /**
   * Inserts new tasks and their dependencies, a chunk per statement. `statusOf` tells the
   * status of a dependency that is not among them (undefined: missing, so unmet).
   */
  private async insertTasks(
    session: Session,
    wf: string,
    tasks: readonly { id: string; created: StoredTask }[],
    nowMs: number,
    statusOf: (id: string) => string | undefined,
  ): Promise<void> {
    const fresh = new Set(tasks.map((task) => task.id));
    for (let start = 0; start < tasks.length; start += INSERT_CHUNK) {
      const chunk = tasks.slice(start, start + INSERT_CHUNK);
      const columns = chunk.map(({ created }) => taskColumns(created));
      const unmet = chunk.map(({ created }) => (created.depends_on ?? []).filter((dep) => (fresh.has(dep) ? TaskStatus.PENDING : statusOf(dep)) !== TaskStatus.COMPLETED).length);
      const inserted = await sql.insertTasks(
        session,
        wf,
        {
          ids: chunk.map((task) => task.id),
          types: chunk.map((task) => task.created.type),
          parentIds: chunk.map((task) => task.created.parent_id),
          idempotencyKeys: chunk.map((task) => task.created.idempotency_key ?? null),
          unmetDeps: unmet,
          columns,
          hasPaths: chunk.map(({ created }) => hasPaths(created)),
        },
        nowMs,
      );
      const seqOf = new Map(inserted.map((row) => [row.id, row.seq]));
      const depIds: string[] = [];
      const depSeqs: string[] = [];
      for (const { id, created } of chunk) {
        for (const dep of new Set(created.depends_on ?? [])) {
          depIds.push(dep);
          depSeqs.push(seqOf.get(id) as string);
        }
      }
      if (depIds.length > 0) await sql.insertDependencies(session, wf, depIds, depSeqs);
    }
  }

  /** Releases expired claims (a batch, skipping those another claim is releasing) by the rule; returns them for the notice. */
  private releaseExpired(session: Session, now: Date, staleAfterMs: number): Promise<ExpiredLease[]> {
    return session.transaction(async () => {
      const row = await this.workflowRow(session, false, now);
      if (!row) return [];
      const rows = await sql.expiredCandidates(session, row.wf, now.getTime(), staleAfterMs, RELEASE_BATCH);
      const view = this.view(session, row);
      for (const taskRow of rows) view.add(taskRow);
      const released = releaseExpiredLeases(view.state, now, staleAfterMs);
      if (released.length > 0) await view.writeChanges(now.getTime());
      return released;
    });
  }

  /** releaseExpired inside the caller's transaction, every expired lease (a batch at a time). */
  private async releaseExpiredHere(session: Session, row: WorkflowRow, now: Date, staleAfterMs: number): Promise<ExpiredLease[]> {
    const all: ExpiredLease[] = [];
    for (;;) {
      const rows = await sql.expiredCandidates(session, row.wf, now.getTime(), staleAfterMs, RELEASE_BATCH);
      const view = this.view(session, row);
      for (const taskRow of rows) view.add(taskRow);
      const released = releaseExpiredLeases(view.state, now, staleAfterMs);
      if (released.length > 0) await view.writeChanges(now.getTime());
      all.push(...released);
      if (rows.length < RELEASE_BATCH || released.length === 0) return all;
    }
  }

  /** The holds of the workflow's paths at `now`, with the state that holds their tasks. */
  private async holdsAt(session: Session, row: WorkflowRow, now: Date): Promise<{ state: WorkflowState; holds: PathHold[] }> {
    const view = this.view(session, row);
    await this.loadHolds(session, row, view);
    return { state: view.state, holds: holdsOf(view.state, now) };
  }

  /** Loads into `view` what holdsOf needs: the tasks in progress with paths, the reservations and the tasks they name. */
  private async loadHolds(session: Session, row: WorkflowRow, view: PartialState, alsoIds: readonly string[] = []): Promise<void> {
    for (const taskRow of await sql.holdingTasks(session, row.wf)) view.add(taskRow);
    const kept = reservationsIn(row.extra, this.location);
    if (kept.length > 0) view.state.reservations = kept;
    await view.loadMany([...kept.flatMap((reservation) => (reservation.task_id === undefined ? [] : [reservation.task_id])), ...alsoIds]);
  }

  /**
   * A change of the reservations by their rule (core/path-reservations.ts), under the
   * workflow's "paths" lock, on the holds read under it; the list is written back to the
   * row's `extra` (its other fields kept) only when the rule changed it.
   */
  private async changeReservations<T>(
    clock: Clock,
    create: boolean,
    taskIds: readonly string[],
    rule: (state: WorkflowState, now: Date) => rules.Mutation<T>,
  ): Promise<T> {
    let changed = false;
    const value = await this.change((session) =>
      session.transaction(async () => {
        const row = create ? await this.workflowRow(session, true, this.at(clock()), "paths") : await this.workflowRow(session, false, new Date(), "paths");
        const at = this.at(clock());
        // No workflow (a release): the rule on an empty state, which it leaves as it is.
        if (!row) return rule(rules.newWorkflowState(at), at).value;
        const view = this.view(session, row);
        await this.loadHolds(session, row, view, taskIds);
        const mutation = rule(view.state, at);
        changed = mutation.changed;
        if (mutation.changed) {
          await sql.setExtra(session, row.wf, extraWith(row.extra, view.state.reservations), at.getTime());
        }
        return mutation.value;
      }),
    );
    if (changed) {
      this.usesPaths = true;
      await this.announce();
    }
    return value;
  }

  /** The ready tasks that some hold keeps back from every agent but its holder (rules.isConflicting). */
  private async conflictingCount(session: Session, row: WorkflowRow, now: Date): Promise<number> {
    const { holds } = await this.holdsAt(session, row, now);
    if (holds.length === 0) return 0;
    let conflicting = 0;
    for (const taskRow of await sql.pendingWithPaths(session, row.wf, now.getTime(), null, false)) {
      if (rules.isConflicting(taskOfRow(this.location, taskRow), holds, now)) conflicting += 1;
    }
    return conflicting;
  }

  /**
   * The earliest time (database ms) a pending task with paths, of the types, may be claimed by
   * `holder`: its not_before, and when every hold in its way ends by itself (core/claim-timing.ts).
   */
  private async freedWithPaths(session: Session, row: WorkflowRow, holder: Holder, nowMs: number, staleAfterMs: number, types: readonly string[] | null): Promise<number> {
    const now = new Date(nowMs);
    const { state, holds } = await this.holdsAt(session, row, now);
    let earliest = Number.POSITIVE_INFINITY;
    for (const taskRow of await sql.pendingWithPaths(session, row.wf, nowMs, types, true)) {
      const freed = pathsFreedAt(state, taskOfRow(this.location, taskRow).paths ?? [], { now, staleAfterMs, holder }, holds);
      if (freed === null) continue;
      earliest = Math.min(earliest, Math.max(taskRow.not_before_ms !== null && taskRow.not_before_ms > nowMs ? taskRow.not_before_ms : nowMs, freed));
    }
    return earliest;
  }

  private async *exportedTasks(): AsyncGenerator<[string, StoredTask]> {
    for (let after = "0"; ; ) {
      const rows = await this.db.run((session) => sql.exportPage(session, this.workflow, after, EXPORT_PAGE));
      for (const row of rows) yield [row.id, taskOfRow(this.location, row)];
      const last = rows.at(-1);
      if (!last || rows.length < EXPORT_PAGE) return;
      after = last.seq;
    }
  }
}

/**
 * Ready tasks read per step of a claim in a workflow that uses paths: a few first, since the
 * first free task is usually near the head of the line, then larger pages.
 */
const FIRST_READY_PAGE = 8;
const READY_PAGE = 100;
/** Times an optimistic claim is made again after another change added holds first, before it takes the lock. */
const OPTIMISTIC_RETRIES = 3;

/** Whether a task declares paths (a row's has_paths). */
function hasPaths(task: StoredTask): boolean {
  return task.paths !== undefined;
}

/** A claimed task as the claim answers it: with the token of the claim's secret. */
function claimedTask(id: string, task: StoredTask, secret: ClaimSecret): ClaimedTask {
  return { ...rules.toTask(id, task), claim_token: formatClaimToken(task.attempts ?? 0, secret.secret) };
}

/** The row a write leaves: its columns, no claim left unfolded. */
function unclaimedRow(write: RowWrite): TaskRow {
  return { seq: write.seq, id: write.id, status: write.columns.status, version: write.version, body: write.columns.body, claim_agent: null, claim_at_ms: null, claim_lease_seconds: null, claim_token_sha256: null, claim_session_sha256: null };
}

/** A change of the fast path, made when its batch is sent: the row to write, or null when it is left to the general path. */
type FastChange = () => RowWrite | null;

/** completeAndClaimNext on the fast path: the completion's change, and the claim after it. */
interface Handoff {
  change: FastChange;
  claim: ClaimRequest;
}

/** Whether the hand-off's completion was written; its claim (null when none); whether to claim again after the statement. */
interface HandedOff {
  written: boolean;
  next: ClaimedTask | null;
  recheck: boolean;
}

/**
 * The existing tasks that the tasks a create makes will depend on: named by id, or by `#n` where the
 * n-th task's idempotency key found an existing one. A task whose key was found is not made.
 */
function existingDependencies(inputs: readonly NewTask[], keyed: ReadonlyMap<string, string>): string[] {
  const found = (input: NewTask | undefined) => (input?.idempotencyKey === undefined ? undefined : keyed.get(input.idempotencyKey));
  const ids = inputs.flatMap((input) =>
    found(input) !== undefined
      ? []
      : (input.dependsOn ?? []).flatMap((dep) => {
          const reference = rules.BATCH_REFERENCE.exec(dep);
          const id = reference === null ? dep : found(inputs[Number(reference[1])]);
          return id === undefined ? [] : [id];
        }),
  );
  return [...new Set(ids)];
}

/**
 * Only claims that one statement can make together share a batch: the same types, lease and
 * task timeout. The group's key, and the request with its types sorted and deduplicated.
 */
function claimGroup(request: ClaimRequest): { group: string; request: ClaimRequest } {
  const types = request.taskTypes && request.taskTypes.length > 0 ? [...new Set(request.taskTypes)].sort() : null;
  return { group: JSON.stringify([types, request.leaseSeconds ?? null, request.staleAfterMs]), request: { ...request, taskTypes: types ?? undefined } };
}

/** A row changed under the change (it is made again), or a random id or idempotency key was taken meanwhile. */
function isConflict(error: unknown): boolean {
  return error instanceof WriteConflict || (error as { code?: unknown } | null)?.code === "23505";
}

/** The metadata as stored, with the last_updated of the last change. */
function metadataOf(row: WorkflowRow): WorkflowMetadata {
  return workflowMetadata(row, lastUpdatedOf(row));
}

function headerOf(row: WorkflowRow): WorkflowHeader {
  return workflowHeader(row, lastUpdatedOf(row));
}

function lastUpdatedOf(row: WorkflowRow): string {
  return toIsoTimestamp(new Date(Number(row.last_updated_ms)));
}
