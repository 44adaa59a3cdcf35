/**
 * A workflow kept in one JSON state file, in the seed's format, shared safely by every
 * process on the machine.
 *
 * A change is: take the file's lock, read the file, apply the rule, write a temp file,
 * fsync it, rename it over the state file, fsync the directory, let go of the lock.
 * Reads take no lock: a rename is atomic, so a reader always sees one whole committed
 * state. Between calls the store keeps the version it last read or wrote (state-file.ts).
 */
import { existsSync, mkdirSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { LockCompromisedError, StoreUnavailableError, TaskManagerError } from "../../core/errors.js";
import { nextClaimTime, type ClaimabilityQuery } from "../../core/claim-timing.js";
import type { JsonObject, WorkflowState } from "../../core/schema.js";
import type { NoticeListener } from "../../core/store-notices.js";
import type {
  CancelRequest,
  ClaimRequest,
  CompleteRequest,
  HeartbeatRequest,
  NewTask,
  ReleaseRequest,
  ReleasePathsRequest,
  ReservePathsRequest,
  TaskQuery,
  TaskStore,
} from "../../core/task-store.js";
import { timed, type Clock } from "../../core/task-store.js";
import { copyPlainData } from "../../core/json-value.js";
import { toIsoTimestamp } from "../../core/time.js";
import * as rules from "../../core/workflow-rules.js";
import * as reservations from "../../core/path-reservations.js";
import { importIntoState, tasksOf, type WorkflowExport, type WorkflowImport } from "../../core/workflow-transfer.js";
import { queueFileCall } from "./file-call-queue.js";
import { watchStateDirectory } from "./state-dir-watcher.js";
import { acquireFileLock, DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_UPDATE_MS, type FileLockOptions } from "./file-lock.js";
import { sweepLeftovers } from "./leftovers.js";
import { NoticeReporter } from "./notices.js";
import { StateFile } from "./state-file.js";

export interface JsonFileStoreOptions {
  file: string;
  /** Seconds to wait for the lock before LOCK_TIMEOUT; 0 tries once. */
  lockTimeoutSeconds: number;
  lockStaleMs?: number | undefined;
  lockUpdateMs?: number | undefined;
  /** Told of long lock waits, expired leases released, a corrupt file (see core/store-notices.ts). */
  onNotice?: NoticeListener | undefined;
}

/** A change's rule, applied at the time read when the lock is held. */
type Rule<T> = (state: WorkflowState, now: Date) => rules.Mutation<T>;

/** The least lockStaleMs: a live holder's refreshes must reach the disk well within it. */
const MIN_LOCK_STALE_MS = 2_000;

/** How often a change is tried again after its lock was lost before it wrote anything. */
const LOCK_LOSS_RETRIES = 3;

export class JsonFileStore implements TaskStore {
  readonly location: string;
  private readonly file: StateFile;
  private readonly lockOptions: FileLockOptions;
  private readonly notices: NoticeReporter;

  constructor(options: JsonFileStoreOptions) {
    this.location = resolve(options.file);
    this.file = new StateFile(this.location);
    const staleMs = options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    // A holder touches its lock several times per threshold, or a live one would look dead.
    if (!(staleMs >= MIN_LOCK_STALE_MS)) throw new TypeError(`lockStaleMs must be at least ${MIN_LOCK_STALE_MS} (milliseconds), got ${String(staleMs)}.`);
    this.lockOptions = {
      timeoutMs: options.lockTimeoutSeconds * 1000,
      staleMs,
      updateMs: options.lockUpdateMs ?? Math.min(DEFAULT_LOCK_UPDATE_MS, staleMs / 4),
    };
    this.notices = new NoticeReporter(this.location, options.onNotice);
  }

  createTasks(tasks: readonly NewTask[], clock: Clock) {
    return this.change(clock, (state, now) => rules.createTasks(state, tasks, now));
  }

  async claimNextTask(request: ClaimRequest) {
    const { rule, report } = this.notices.releasingExpired(request.staleAfterMs, (state, now) => rules.claimNextTask(state, timed(request, now)));
    const claimed = await this.change(request.clock, rule);
    report();
    return claimed;
  }

  completeTask(request: CompleteRequest) {
    return this.change(request.clock, (state, now) => rules.completeTask(state, timed(request, now)));
  }

  /** Both rules over one read of the file, in one locked write. */
  async completeAndClaimNext(complete: CompleteRequest, claim: ClaimRequest) {
    const { rule: claimRule, report } = this.notices.releasingExpired(claim.staleAfterMs, (state, now) => rules.claimNextTask(state, timed(claim, now)));
    const both = await this.change(complete.clock, (state, now) => {
      const task = rules.completeTask(state, timed(complete, now)).value;
      return { value: { task, next: claimRule(state, now).value }, changed: true };
    });
    report();
    return both;
  }

  releaseTask(request: ReleaseRequest) {
    return this.change(request.clock, (state, now) => rules.releaseTask(state, timed(request, now)));
  }

  heartbeatTask(request: HeartbeatRequest) {
    return this.change(request.clock, (state, now) => rules.heartbeatTask(state, timed(request, now)));
  }

  async cancelTask(request: CancelRequest) {
    const { rule, report } = this.notices.releasingExpired(request.staleAfterMs, (state, now) => rules.cancelTask(state, timed(request, now)));
    const cancelled = await this.change(request.clock, rule);
    report();
    return cancelled;
  }

  updateMetadata(patch: JsonObject, clock: Clock) {
    return this.change(clock, (state, now) => rules.updateMetadata(state, patch, now));
  }

  reservePaths({ clock, ...request }: ReservePathsRequest) {
    return this.change(clock, (state, now) => reservations.reservePaths(state, { ...request, now }));
  }

  releasePaths({ clock, ...request }: ReleasePathsRequest) {
    return this.change(clock, (state, now) => reservations.releasePaths(state, { ...request, now }));
  }

  async listReservations(now: Date) {
    return this.read((state) => reservations.listReservations(state, now));
  }

  /** Writes an imported workflow as this (new or empty) state file, in one locked write. */
  importWorkflow(source: WorkflowImport, clock: Clock) {
    return this.change(clock, (state) => importIntoState(state, source, basename(this.location, ".json")));
  }

  async getTask(taskId: string) {
    return this.read((state) => rules.getTask(state, taskId));
  }

  async getTaskChildren(taskId: string) {
    return this.read((state) => rules.getTaskChildren(state, taskId));
  }

  async listTasks(query: TaskQuery) {
    return this.read((state) => rules.listTasks(state, query));
  }

  async getStatusSummary(now: Date) {
    return this.read((state) => rules.summarize(state, now));
  }

  async getMetadata() {
    return this.read((state) => state.metadata);
  }

  async nextClaimTime(query: ClaimabilityQuery) {
    return this.read((state) => nextClaimTime(state, query));
  }

  /** The state file as it is, for export; null when there is none. */
  async exportWorkflow(): Promise<WorkflowExport | null> {
    const state = this.readState();
    if (state === null) return null;
    const { tasks, ...header } = copyPlainData(state);
    return { header: header as WorkflowExport["header"], tasks: tasksOf(tasks) };
  }

  /** Watches the state file's directory: every commit renames a new file over this one. */
  watchChanges(listener: () => void): () => void {
    const file = basename(this.location);
    return watchStateDirectory(dirname(this.location), (change) => {
      if (change.file === file) listener();
    });
  }

  /** Lets go of the state file version the store keeps open; it reads afresh if used again. */
  async close(): Promise<void> {
    this.file.close();
  }

  /** What `query` makes of the committed state, copied: the state itself stays the store's. */
  private read<T>(query: (state: WorkflowState) => T): T {
    return copyPlainData(query(this.readState() ?? rules.newWorkflowState(new Date())));
  }

  /**
   * One change, under the lock, the calls of this process one at a time, at the time the
   * clock says once the lock is taken. A change whose lock turned out lost before its
   * write wrote nothing, and runs again.
   */
  private change<T>(clock: Clock, rule: Rule<T>): Promise<T> {
    return queueFileCall(this.location, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return copyPlainData(await this.changeOnce(clock, rule));
        } catch (error) {
          if (error instanceof LockCompromisedError && attempt < LOCK_LOSS_RETRIES) continue;
          throw this.failure(error);
        }
      }
    });
  }

  private async changeOnce<T>(clock: Clock, rule: Rule<T>): Promise<T> {
    const directory = dirname(this.location);
    if (!existsSync(directory)) {
      // Nothing was ever written here: a change that is refused, or changes nothing, leaves no trace, not even the directory.
      const now = clock();
      const mutation = rule(rules.newWorkflowState(now), now);
      if (!mutation.changed) return mutation.value;
      mkdirSync(directory, { recursive: true });
    }
    const lock = await acquireFileLock(this.location, this.lockOptions);
    try {
      this.notices.lockAcquired(lock);
      sweepLeftovers(this.location);
      const now = clock();
      const state = this.readState() ?? rules.newWorkflowState(now);
      let mutation: rules.Mutation<T>;
      try {
        mutation = rule(state, now);
      } catch (error) {
        this.file.forget(); // a rule that failed part way (a time out of range) may have changed the kept state
        throw error;
      }
      if (mutation.changed) {
        state.metadata.last_updated = toIsoTimestamp(now);
        let durable: boolean;
        try {
          durable = await this.file.write(state, () => lock.assertHeld());
        } catch (error) {
          // A holder that stalled between its check and its rename finds its temp file swept by
          // the process that took the lock over: nothing was written, and the change runs again.
          if ((error as NodeJS.ErrnoException).code === "ENOENT") lock.assertHeld();
          throw error;
        }
        if (!durable) this.notices.notDurable();
      }
      return mutation.value;
    } finally {
      lock.release();
    }
  }

  /** The committed state, null if there is no file; a corrupt file is reported, then refused. */
  private readState(): WorkflowState | null {
    try {
      return this.file.read();
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** Every error a caller sees has a code: a file system failure says what failed, never in raw errno text. */
  private failure(error: unknown): unknown {
    if (error instanceof TaskManagerError) return this.notices.reported(error, this.lockOptions.timeoutMs);
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === "string" && ERRNO_CODE.test(code)) {
      return new StoreUnavailableError(`Cannot use "${this.location}": ${describeErrno(error)}. Nothing was changed.`, error);
    }
    return error;
  }
}

/** An errno code (ENOSPC, EACCES, …), not one of Node's own (ERR_…). */
const ERRNO_CODE = /^E[A-Z0-9]+$/;

const ERRNO_REASONS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EIO: "an input/output error",
  ENOENT: "its directory was removed",
  ENOTDIR: "a part of its path is not a directory",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
};

function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? "unknown";
  return ERRNO_REASONS[code] ?? `a file system error (${code})`;
}
