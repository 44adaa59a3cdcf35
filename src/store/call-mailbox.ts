/**
 * Where processes waiting for a workflow's lock leave their calls for the holder, who
 * commits them in its own write (group commit; see group-commit.ts for who does what
 * when). One directory beside the state file, `<file>.calls/`, and in it, for each call,
 * named by its id:
 *
 *   <id>.call      posted by the caller, waiting (written as <id>.new, then renamed)
 *   <id>.taken     a holder took it, under the lock; stays until the caller has its outcome
 *   <id>.result    beside .taken: the holder's outcome, written before its commit
 *   <id>.done      beside .taken: the same outcome, renamed so once the commit is durable
 *   <id>.declined  beside .taken: the holder did not commit it (its rule threw, the call could
 *                  not be read, or the holder's write failed); its caller applies it itself
 *
 * Exactly once: a call is applied only by a holder of the lock, in a write that also
 * lists its id under `committed_calls` in the state file (group-commit.ts). A caller
 * that gets the lock itself before it has its outcome reads that list: listed, the
 * outcome is in its .result or .done file; not listed, its holder failed or died before
 * committing, and the caller removes its files and applies the call itself. The id stays
 * listed while its .taken file is there, which the caller removes last.
 *
 * The files need no fsync: a call's outcome matters only to a caller that is still
 * running, and after a crash of its machine none is. (A caller on another machine or
 * container sharing the directory that outlives its holder's machine may then find its
 * call listed but its outcome gone, and gets an error saying it may have been applied.)
 * Ids start with the caller's pid and a tag of its pid namespace and boot, so the files
 * of a caller that died are swept by the next holder that can see it died; those of
 * callers elsewhere only once they are old, since their pids mean nothing here.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import type { ExpiredLease } from "../core/store-notices.js";
import { ifExists } from "./if-exists.js";
import { decodeCall, encodeCall, type StoreCall } from "./store-call.js";
import { isRunningProcess } from "./process-alive.js";

const Suffix = {
  NEW: ".new",
  CALL: ".call",
  TAKEN: ".taken",
  RESULT: ".result",
  DONE: ".done",
  DECLINED: ".declined",
} as const;
type Suffix = (typeof Suffix)[keyof typeof Suffix];
const SUFFIXES: readonly Suffix[] = [Suffix.NEW, Suffix.CALL, Suffix.TAKEN, Suffix.RESULT, Suffix.DONE, Suffix.DECLINED];

export function mailboxPathFor(file: string): string {
  return `${file}.calls`;
}

/** Where a posted call stands, as its caller sees it. */
export type CallStatus = "posted" | "taken" | "done" | "declined";

/** What a holder hands back for a call: its rule's value, and the expired claims it released first. */
export interface CallOutcome {
  value: unknown;
  leasesExpired?: ExpiredLease[];
}

let calls = 0;
/**
 * Tells the calls of processes whose pids this process can check (same pid namespace,
 * same boot) from those of other containers or machines sharing the directory.
 */
const NAMESPACE_TAG = createHash("sha256").update(pidNamespaceIdentity()).digest("hex").slice(0, 8);
const PROCESS_TAG = `${NAMESPACE_TAG}${randomBytes(3).toString("hex")}`;
/** Call files of another pid namespace older than this belong to a caller that gave up or died. */
const FOREIGN_CALL_MAX_AGE_MS = 10 * 60_000;
/** Attempts at posting while a closing store removes the empty directory under us. */
const POST_ATTEMPTS = 3;

/** The pid namespace and boot this process runs in, where Linux tells; else the host name. */
function pidNamespaceIdentity(): string {
  try {
    return `${readlinkSync("/proc/self/ns/pid")} ${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()}`;
  } catch {
    return hostname();
  }
}

/** A call this process posted and waits on. */
export class PostedCall {
  readonly id: string;

  constructor(private readonly directory: string, call: StoreCall) {
    calls = (calls + 1) % 1_000_000_000;
    this.id = `${process.pid}-${PROCESS_TAG}-${calls}`;
    const text = encodeCall(call);
    for (let attempt = 1; ; attempt++) {
      try {
        writeFileSync(this.path(Suffix.NEW), text, { flag: "wx" });
        renameSync(this.path(Suffix.NEW), this.path(Suffix.CALL));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= POST_ATTEMPTS) throw error;
        makeMailbox(directory); // not made yet, or removed by a store closing
      }
    }
  }

  status(): CallStatus {
    if (existsSync(this.path(Suffix.DONE))) return "done";
    if (existsSync(this.path(Suffix.CALL))) return "posted";
    if (existsSync(this.path(Suffix.DECLINED))) return "declined";
    return "taken";
  }

  /** The outcome a holder published (status done); the call's files are removed. */
  takeOutcome(): CallOutcome {
    const outcome = readOutcome(this.path(Suffix.DONE));
    this.remove();
    return outcome;
  }

  /** Takes the call back while no holder has taken it; false when one has (or it was declined, or done). */
  withdraw(): boolean {
    if (ifExists(() => unlinkSync(this.path(Suffix.CALL))) === null) return false;
    this.remove();
    return true;
  }

  /**
   * Under the lock: what became of the call, now that nobody else can be applying it.
   * `committed`: whether the state file lists its id. Listed, its outcome is returned;
   * not, its files are removed and null is returned: the caller applies it itself.
   */
  settleUnderLock(committed: boolean): CallOutcome | null {
    if (!committed) {
      this.remove();
      return null;
    }
    // A holder renames .result to .done once its commit is durable; it may be doing so now.
    const read = (suffix: Suffix) => ifExists(() => readOutcome(this.path(suffix)));
    const outcome = read(Suffix.DONE) ?? read(Suffix.RESULT) ?? read(Suffix.DONE);
    this.remove();
    if (outcome === null) throw new Error(`call ${this.id} is committed in the state file, but its outcome is missing from ${this.directory}`);
    return outcome;
  }

  /**
   * Removes every file of the call: .result before .done, which a holder may be renaming
   * it to right now; .taken last, which keeps its id listed as committed until then.
   */
  remove(): void {
    for (const suffix of [Suffix.NEW, Suffix.CALL, Suffix.RESULT, Suffix.DONE, Suffix.DECLINED, Suffix.TAKEN]) removeIfAny(this.path(suffix));
  }

  private path(suffix: Suffix): string {
    return join(this.directory, `${this.id}${suffix}`);
  }
}

/** A call a holder took, with its id. */
export interface TakenCall {
  id: string;
  call: StoreCall;
}

/** What a holder found in the mailbox. */
export interface MailboxContents {
  /** Calls it took, oldest first; from now on they are its to apply, or to decline. */
  taken: TakenCall[];
  /** Ids of calls taken earlier whose callers have not yet collected their outcome. */
  awaited: Set<string>;
}

/** The holder's side of the mailbox: call only while holding the state file's lock. */
export class CallMailbox {
  readonly directory: string;

  constructor(file: string) {
    this.directory = mailboxPathFor(file);
  }

  /** Posts a call for the holder; the caller then waits on it (group-commit.ts). */
  post(call: StoreCall): PostedCall {
    return new PostedCall(this.directory, call);
  }

  /** Takes every posted call of a running process and removes the files of callers that died. */
  takeCalls(): MailboxContents {
    const contents: MailboxContents = { taken: [], awaited: new Set() };
    let entries: string[];
    try {
      entries = readdirSync(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return contents;
      throw error;
    }
    const posted: { id: string; order: number }[] = [];
    const outcomes: { id: string; entry: string }[] = [];
    for (const entry of entries) {
      const suffix = SUFFIXES.find((candidate) => entry.endsWith(candidate));
      if (suffix === undefined) continue;
      const id = entry.slice(0, -suffix.length);
      if (this.callerIsGone(id, entry)) {
        removeIfAny(join(this.directory, entry)); // nobody waits for it
        continue;
      }
      if (suffix === Suffix.TAKEN) contents.awaited.add(id);
      else if (suffix === Suffix.CALL) posted.push({ id, order: callOrder(id) });
      else if (suffix !== Suffix.NEW) outcomes.push({ id, entry });
    }
    // An outcome beside no .taken file is nobody's: its caller removed .taken last, having
    // collected or given up, and a holder that lost its lock may have written it since.
    for (const { id, entry } of outcomes) if (!contents.awaited.has(id)) removeIfAny(join(this.directory, entry));
    posted.sort((a, b) => a.order - b.order);
    for (const { id } of posted) {
      const path = join(this.directory, `${id}${Suffix.CALL}`);
      try {
        renameSync(path, join(this.directory, `${id}${Suffix.TAKEN}`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // withdrawn meanwhile
        throw error;
      }
      const call = decodeCall(readFileSync(join(this.directory, `${id}${Suffix.TAKEN}`), "utf8"));
      if (call === null) this.decline(id);
      else contents.taken.push({ id, call });
    }
    return contents;
  }

  /** Before the commit: the outcome of a taken call (a CallOutcome as JSON), for its caller once the commit is durable. */
  prepare(id: string, outcomeJson: string): void {
    writeFileSync(join(this.directory, `${id}${Suffix.RESULT}`), outcomeJson);
  }

  /**
   * After the commit is durable: the prepared outcomes, handed to their callers. Runs
   * after the lock is released: a caller that took the lock meanwhile may have read its
   * outcome from the state file's list already and removed its files.
   */
  publish(ids: readonly string[]): void {
    for (const id of ids) ifExists(() => renameSync(join(this.directory, `${id}${Suffix.RESULT}`), join(this.directory, `${id}${Suffix.DONE}`)));
  }

  /** An outcome that needs no commit (the call changed nothing), handed over at once. */
  answer(id: string, outcomeJson: string): void {
    this.prepare(id, outcomeJson);
    this.publish([id]);
  }

  /** The call was not committed; its caller applies it itself, under the lock. */
  decline(id: string): void {
    try {
      writeFileSync(join(this.directory, `${id}${Suffix.DECLINED}`), "");
    } catch {
      // its caller looks under the lock once the outcome is late
    }
  }

  private callerIsGone(id: string, entry: string): boolean {
    if (namespaceTagOf(id) === NAMESPACE_TAG) return !isRunningProcess(callerPid(id));
    try {
      // ctime: a rename (a call taken) sets it, where it keeps the mtime of when it was posted.
      const stats = statSync(join(this.directory, entry));
      return Date.now() - Math.max(stats.mtimeMs, stats.ctimeMs) > FOREIGN_CALL_MAX_AGE_MS;
    } catch {
      return false; // gone meanwhile
    }
  }

  /** Removes the directory if it is empty (a store closing); a caller posting meanwhile makes it again. */
  removeIfEmpty(): void {
    try {
      rmdirSync(this.directory);
    } catch {
      // not empty, or not there
    }
  }
}

/** The mailbox directory, with the mode of the state directory: processes of every user that may write the state file may post. */
function makeMailbox(directory: string): void {
  mkdirSync(directory, { recursive: true });
  try {
    chmodSync(directory, statSync(dirname(directory)).mode & 0o7777);
  } catch {
    // the owner's umask it is
  }
}

function callerPid(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}

function namespaceTagOf(id: string): string {
  return id.slice(id.indexOf("-") + 1, id.indexOf("-") + 1 + NAMESPACE_TAG.length);
}

/** Calls of one process in the order it posted them; of different processes, in any order. */
function callOrder(id: string): number {
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

function readOutcome(path: string): CallOutcome {
  return JSON.parse(readFileSync(path, "utf8")) as CallOutcome;
}

function removeIfAny(path: string): void {
  ifExists(() => unlinkSync(path));
}
