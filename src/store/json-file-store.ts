/**
 * A workflow kept in one JSON state file, in the seed's format, shared safely by
 * every process on the machine.
 *
 * Writes: one exclusive file lock around read → apply rule → write-temp → fsync →
 * rename; the directory fsync that makes the rename durable runs after the lock is
 * released, and the call waits for it. The rule runs at the time the clock says once
 * the lock is held, so a lease never counts the wait for the lock. Reads take no lock:
 * renames are atomic, so a reader always sees one whole committed state.
 *
 * Nothing is redone that did not change: the state file codec keeps the last bytes
 * read or written, reuses every task whose text is unchanged instead of parsing it
 * again, and stringifies only the tasks a rule changed (state-file-codec.ts).
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { LockCompromisedError } from "../core/errors.js";
import type { WorkflowState } from "../core/schema.js";
import { nextClaimTime, type ClaimabilityQuery } from "../core/claim-timing.js";
import type { NoticeListener } from "../core/store-notices.js";
import {
  timed,
  type CancelRequest,
  type ClaimRequest,
  type Clock,
  type CompleteRequest,
  type HeartbeatRequest,
  type NewTask,
  type ReleaseRequest,
  type TaskQuery,
  type TaskStore,
} from "../core/task-store.js";
import { toIsoTimestamp } from "../core/time.js";
import * as rules from "../core/workflow-rules.js";
import { importIntoState, tasksOf, type WorkflowExport, type WorkflowImport } from "../core/workflow-transfer.js";
import { CallMailbox, type CallOutcome } from "./call-mailbox.js";
import { fsyncDirectory } from "./durable-write.js";
import {
  acquireFileLock,
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_UPDATE_MS,
  discardParkedOwner,
  sweepLeftovers,
  type HeldLock,
} from "./file-lock.js";
import {
  applyTakenCalls,
  COMMITTED_CALLS,
  committedCallsOf,
  lockOrHandOver,
  recordCommittedCalls,
  type AppliedCalls,
  type LockOrOutcome,
} from "./group-commit.js";
import { serializeInProcess } from "./in-process-queue.js";
import { parseStateFile } from "./parse-state-file.js";
import { ifExists } from "./if-exists.js";
import { StateFileCodec } from "./state-file-codec.js";
import { applyCall, callAt, type CallValues, type StoreCall } from "./store-call.js";
import { NoticeReporter } from "./notice-reporter.js";
import { watchStateDirectory } from "./state-dir-watcher.js";

export interface JsonFileStoreOptions {
  file: string;
  /** Seconds to wait for the lock before LOCK_TIMEOUT. */
  lockTimeoutSeconds: number;
  lockStaleMs?: number | undefined;
  lockUpdateMs?: number | undefined;
  /** Told of long lock waits, expired leases released, a corrupt file (see core/store-notices.ts). */
  onNotice?: NoticeListener | undefined;
}

/** Another process that committed our last call this recently is likely still committing: post the next one straight away. */
const HOLDER_ACTIVE_MS = 50;

/** How often an operation is retried after its lock was lost before it wrote anything. */
const LOCK_LOSS_RETRIES = 3;

export class JsonFileStore implements TaskStore {
  readonly location: string;
  private readonly lockOptions;
  private readonly codec: StateFileCodec;
  private directoryReady = false;
  private readonly notices: NoticeReporter;
  private readonly mailbox: CallMailbox;
  /** Calls of this store that another process committed, and calls of others this store committed. */
  readonly counts = { committedByOthers: 0, committedForOthers: 0 };
  /** When another process last committed a call of ours (performance.now()). */
  private lastHandedOverAt = Number.NEGATIVE_INFINITY;

  constructor(options: JsonFileStoreOptions) {
    this.location = resolve(options.file);
    this.codec = new StateFileCodec(this.location);
    this.lockOptions = {
      timeoutMs: options.lockTimeoutSeconds * 1000,
      staleMs: options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
      updateMs: options.lockUpdateMs ?? DEFAULT_LOCK_UPDATE_MS,
    };
    this.notices = new NoticeReporter(this.location, options.onNotice);
    this.mailbox = new CallMailbox(this.location);
  }

  createTasks(tasks: readonly NewTask[], clock: Clock) {
    return this.change({ op: "create", tasks, now: clock() }, clock);
  }

  claimNextTask(request: ClaimRequest) {
    return this.change({ op: "claim", request: timed(request, request.clock()) }, request.clock);
  }

  completeTask(request: CompleteRequest) {
    return this.change({ op: "complete", request: timed(request, request.clock()) }, request.clock);
  }

  releaseTask(request: ReleaseRequest) {
    return this.change({ op: "release", request: timed(request, request.clock()) }, request.clock);
  }

  heartbeatTask(request: HeartbeatRequest) {
    return this.change({ op: "heartbeat", request: timed(request, request.clock()) }, request.clock);
  }

  cancelTask(request: CancelRequest) {
    return this.change({ op: "cancel", request: timed(request, request.clock()) }, request.clock);
  }

  updateMetadata(patch: Parameters<typeof rules.updateMetadata>[1], clock: Clock) {
    return this.change({ op: "metadata", patch, now: clock() }, clock);
  }

  async getTask(taskId: string) {
    return rules.getTask(await this.read(), taskId);
  }

  async getTaskChildren(taskId: string) {
    return rules.getTaskChildren(await this.read(), taskId);
  }

  async listTasks(query: TaskQuery) {
    return rules.listTasks(await this.read(), query);
  }

  async getStatusSummary(now: Date) {
    return rules.summarize(await this.read(), now);
  }

  async getMetadata() {
    return { ...(await this.read()).metadata };
  }

  /** Watches the state file's directory: every commit renames a new file over this one. */
  watchChanges(listener: () => void): () => void {
    const file = basename(this.location);
    return watchStateDirectory(dirname(this.location), (change) => {
      if (change.file === file) listener();
    });
  }

  async nextClaimTime(query: ClaimabilityQuery) {
    return nextClaimTime(await this.read(), query);
  }

  /** The state file as it is, for export (its fields in the file's order); null when there is none. */
  async exportWorkflow(): Promise<WorkflowExport | null> {
    const bytes = ifExists(() => readFileSync(this.location));
    if (bytes === null) return null;
    try {
      parseStateFile(this.location, bytes); // a corrupt file is reported, not exported
    } catch (error) {
      this.notices.unreadable(bytes, error);
    }
    const { tasks, [COMMITTED_CALLS]: _calls, ...header } = JSON.parse(bytes.toString("utf8")) as WorkflowState;
    return { header, tasks: tasksOf(tasks) };
  }

  /** Writes an imported workflow as this (new or empty) state file, in one locked write. */
  importWorkflow(source: WorkflowImport, clock: Clock) {
    // An exported header has no committed_calls; one from a hand-made file must not replace ours.
    const { [COMMITTED_CALLS]: _calls, ...header } = source.header;
    return this.update(clock, (state) => importIntoState(state, { ...source, header: header as typeof source.header }, basename(this.location, ".json")));
  }

  /** Lets go of what the store keeps between calls: the state file version it holds open (see the codec) and its lock's staging directory; it reads afresh if used again. */
  async close(): Promise<void> {
    this.codec.close();
    discardParkedOwner(this.location);
    this.mailbox.removeIfEmpty();
  }

  /** The committed state, unlocked. Callers must not mutate it: it may be the shared cache. */
  private async read(): Promise<WorkflowState> {
    return this.readState() ?? rules.newWorkflowState(new Date());
  }

  /**
   * A change given as a call: its rule runs here under the lock, at the time `clock` says
   * then, or in the process that holds the lock meanwhile (group-commit.ts), which applies
   * it at its own time (the call carries when it was asked for, the least it is applied at).
   * A claim or cancel first releases expired claims, which are reported once written.
   */
  private change<C extends StoreCall>(call: C, clock: Clock): Promise<CallValues[C["op"]]> {
    const apply = (state: WorkflowState, now: Date) => applyCall(state, callAt(call, now));
    if (call.op === "claim" || call.op === "cancel") {
      const { staleAfterMs } = (call as Extract<StoreCall, { op: "claim" | "cancel" }>).request;
      return this.notices.releasingExpired(staleAfterMs, apply, (noting) => this.update(clock, noting, call));
    }
    return this.update(clock, apply, call);
  }

  /**
   * One locked read-modify-write; the file is written only when the rule changed
   * something. If the lock turns out to be lost before the write (a stall past the
   * stale threshold, or a racing takeover), nothing was written and the whole
   * operation runs again under a fresh lock. With `call` (the same change as data),
   * a process holding the lock may commit it instead (group-commit.ts).
   */
  private update<T>(clock: Clock, apply: (state: WorkflowState, now: Date) => rules.Mutation<T>, call?: StoreCall): Promise<T> {
    return serializeInProcess(this.location, async () => {
      await this.ensureDirectory();
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.updateOnce(clock, apply, call);
        } catch (error) {
          if (!(error instanceof LockCompromisedError) || attempt >= LOCK_LOSS_RETRIES) this.notices.failed(error, this.lockOptions.timeoutMs);
        }
      }
    });
  }

  private async updateOnce<T>(clock: Clock, apply: (state: WorkflowState, now: Date) => rules.Mutation<T>, call: StoreCall | undefined): Promise<T> {
    const got = await this.lockOrOutcome(call);
    if ("outcome" in got) {
      this.lastHandedOverAt = performance.now();
      return this.handedOver<T>(got.outcome);
    }
    const { lock, posted } = got;
    try {
      let state: WorkflowState;
      let now: Date;
      try {
        this.notices.lockAcquired(lock);
        // A process killed while writing leaves a temp file, one killed while queueing for the
        // lock a staging directory; nobody else writes while we hold the lock, so sweep them.
        // One readdir of the state directory: cheap beside the fsyncs of the write.
        await sweepLeftovers(this.location);
        now = clock(); // under the lock: the change is applied now, however long it waited
        state = this.readState() ?? rules.newWorkflowState(now);
      } catch (error) {
        posted?.remove(); // we hold the lock: nobody is at work on it, and its caller gets the error
        throw error;
      }
      if (posted) {
        // We posted the call while waiting; a holder may have committed it before we got here.
        const settled = posted.settleUnderLock(committedCallsOf(state).includes(posted.id));
        if (settled) {
          // Its holder may have died before the directory fsync that makes its commit durable.
          await fsyncDirectory(dirname(this.location));
          return this.handedOver<T>(settled);
        }
      }
      // From here the state object may be changed in place: until it is committed, nobody may reuse it.
      this.codec.beginChange();
      return await this.commitWithPostedCalls(lock, state, apply(state, now), now);
    } finally {
      await lock.release(); // no-op when the commit released it
    }
  }

  /** The lock; or, for a change given as a call, possibly its outcome, committed by the process that held the lock. */
  private async lockOrOutcome(call: StoreCall | undefined): Promise<LockOrOutcome> {
    // Another process committed our last call a moment ago and will likely commit this one:
    // we post it at once, and need not read what changed meanwhile.
    const holderActive = call !== undefined && performance.now() - this.lastHandedOverAt < HOLDER_ACTIVE_MS;
    if (!holderActive) this.readAhead();
    if (call) return lockOrHandOver(this.location, this.lockOptions, this.mailbox, call, holderActive);
    return { lock: await acquireFileLock(this.location, this.lockOptions), posted: null };
  }

  /** A call of ours that another process committed: its value, after reporting the expired claims it released. */
  private handedOver<T>(outcome: CallOutcome): T {
    this.counts.committedByOthers += 1;
    this.notices.reportExpired(outcome.leasesExpired ?? []);
    return outcome.value as T;
  }

  /**
   * Under the lock, with our own change applied to `state`: applies every call other
   * processes posted meanwhile, and commits them all in one write. A call taken but not
   * committed (the write failed) goes back to its caller, which runs it itself.
   */
  private async commitWithPostedCalls<T>(lock: HeldLock, state: WorkflowState, own: rules.Mutation<T>, now: Date): Promise<T> {
    const posted = this.mailbox.takeCalls();
    // Our value must not share objects that a call of the batch then changes in place.
    const value = posted.taken.length > 0 ? structuredClone(own.value) : own.value;
    let renamed = false;
    let others: AppliedCalls | null = null;
    try {
      others = applyTakenCalls(this.mailbox, state, posted, now);
      if (own.changed || others.changed) {
        const latest = others.latest !== null && others.latest > now ? others.latest : now;
        state.metadata.last_updated = toIsoTimestamp(latest);
        recordCommittedCalls(state, others);
        for (const { id, json } of others.outcomes) this.mailbox.prepare(id, json);
        await this.codec.write(state, {
          // The lock is checked after the slow fsync, right before the rename: a holder whose
          // write took so long that its lock could have been taken over commits nothing.
          beforeRename: () => lock.assertHeld(),
          // Let go as soon as the new state is in place, not after the directory fsync: the
          // next writer reads what was renamed, and this call still returns only once durable.
          afterRename: () => {
            renamed = true;
            return lock.release();
          },
        });
        try {
          this.mailbox.publish(others.outcomes.map(({ id }) => id));
        } catch {
          // Committed all the same: the callers find their outcomes under the lock, as after a holder's death.
        }
      } else {
        for (const { id, json } of others.outcomes) this.mailbox.answer(id, json);
      }
      this.counts.committedForOthers += others.outcomes.length;
      return value;
    } catch (error) {
      if (!renamed) for (const { id } of posted.taken) if (!others?.declined.has(id)) this.mailbox.decline(id);
      throw error;
    }
  }

  private async ensureDirectory(): Promise<void> {
    if (this.directoryReady) return;
    await mkdir(dirname(this.location), { recursive: true });
    this.directoryReady = true;
  }

  /**
   * Brings the codec up to the file before taking the lock: parsing what other processes
   * wrote (all of a big file, the first time) is then done while they can still write,
   * and under the lock only what changed since is left to read. What it finds counts for
   * nothing: the state is read again under the lock, and a corrupt file is reported there.
   */
  private readAhead(): void {
    try {
      this.codec.read();
    } catch {
      // read again, and reported, under the lock
    }
  }

  /** The state the file holds, null if there is none; synchronous, see the codec. */
  private readState(): WorkflowState | null {
    return this.codec.read((bytes, error) => this.notices.unreadable(bytes, error));
  }
}

export { parseStateFile } from "./parse-state-file.js";
