import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager, type Task, type WorkflowState } from "../../src/index.js";
import { CallMailbox, mailboxPathFor } from "../../src/store/call-mailbox.js";
import { acquireFileLock, DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_UPDATE_MS, type HeldLock } from "../../src/store/file-lock.js";
import { applyTakenCalls, recordCommittedCalls } from "../../src/store/group-commit.js";
import { StateFileCodec } from "../../src/store/state-file-codec.js";
import { fixture } from "../helpers/paths.js";
import { runNode } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp-dir.js";

const WORKER = fixture("group-commit-worker.mjs");

interface Outcome {
  value?: Task | null;
  error?: { code: string; message: string };
}

function readState(stateFile: string): WorkflowState {
  return JSON.parse(readFileSync(stateFile, "utf8")) as WorkflowState;
}

async function workflowWith(taskCount: number): Promise<{ stateFile: string; ids: string[] }> {
  const stateFile = join(await tempDir(), "shared.json");
  const tm = new TaskManager({ stateFile });
  const created = await tm.createTasks(Array.from({ length: taskCount }, (_, i) => ({ type: "work", data: { i } })));
  await tm.close();
  return { stateFile, ids: created.map((task) => task.id) };
}

/** Holds the lock in this process, as a holder in another process would. */
function holdLock(stateFile: string): Promise<HeldLock> {
  return acquireFileLock(stateFile, { timeoutMs: 5_000, staleMs: DEFAULT_LOCK_STALE_MS, updateMs: DEFAULT_LOCK_UPDATE_MS });
}

/** Waits until a caller in another process has posted a call, and returns its id. */
async function postedCallId(stateFile: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const posted = existsSync(mailboxPathFor(stateFile)) ? readdirSync(mailboxPathFor(stateFile)).find((entry) => entry.endsWith(".call")) : undefined;
    if (posted) return posted.slice(0, -".call".length);
    if (Date.now() > deadline) throw new Error("no call was posted");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A holder's batch up to (not including) its commit: takes and applies the posted calls to the state read now. */
function takeAndApply(stateFile: string): { state: WorkflowState; codec: StateFileCodec; mailbox: CallMailbox; applied: ReturnType<typeof applyTakenCalls> } {
  const codec = new StateFileCodec(stateFile);
  const state = codec.read() as WorkflowState;
  codec.beginChange();
  const mailbox = new CallMailbox(stateFile);
  const applied = applyTakenCalls(mailbox, state, mailbox.takeCalls(), new Date());
  return { state, codec, mailbox, applied };
}

function mailboxEntries(stateFile: string): string[] {
  return existsSync(mailboxPathFor(stateFile)) ? readdirSync(mailboxPathFor(stateFile)) : [];
}

describe("group commit between processes", () => {
  it("commits the calls of waiting processes in the holder's writes, each task claimed and completed once", async () => {
    const { stateFile, ids } = await workflowWith(300);
    const startAt = String(Date.now() + 1_500);
    const workers = await Promise.all(["w1", "w2", "w3", "w4"].map((agent) => runNode(fixture("claim-worker.mjs"), [stateFile, agent, "complete", startAt])));
    for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
    const reports = workers.map((worker) => JSON.parse(worker.stdout) as { claimed: string[]; counts: { committedByOthers: number; committedForOthers: number } });

    const claims = reports.flatMap((report) => report.claimed);
    expect(claims).toHaveLength(ids.length);
    expect(new Set(claims)).toEqual(new Set(ids));
    const state = readState(stateFile);
    for (const [index, report] of reports.entries()) {
      for (const id of report.claimed) {
        const task = state.tasks[id];
        expect(task?.status).toBe("completed");
        expect(task?.attempts).toBe(1);
        expect(task?.result).toEqual({ by: `w${index + 1}` });
      }
    }
    // Calls were handed over, and each handed-over call was committed once.
    const byOthers = reports.reduce((sum, report) => sum + report.counts.committedByOthers, 0);
    const forOthers = reports.reduce((sum, report) => sum + report.counts.committedForOthers, 0);
    expect(byOthers).toBeGreaterThan(0);
    expect(forOthers).toBe(byOthers);
    // Every caller collected its outcome: nothing is left in the mailbox, and the next write
    // drops the ids the last one listed as committed.
    expect(mailboxEntries(stateFile)).toEqual([]);
    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "after" });
    await tm.close();
    expect(readState(stateFile).committed_calls).toBeUndefined();
  });

  it("returns a call committed by a holder that died before handing over the outcome, without applying it again", async () => {
    const { stateFile, ids } = await workflowWith(2);
    const lock = await holdLock(stateFile);
    const caller = runNode(WORKER, [stateFile, "waiter", "claim"]);
    const id = await postedCallId(stateFile);

    // The holder commits the call, then dies: its outcome is prepared but never published.
    const { state, codec, mailbox, applied } = takeAndApply(stateFile);
    expect(applied.outcomes.map((outcome) => outcome.id)).toEqual([id]);
    recordCommittedCalls(state, applied);
    for (const outcome of applied.outcomes) mailbox.prepare(outcome.id, outcome.json);
    await codec.write(state);
    codec.close();
    await lock.release();

    const result = await caller;
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as Outcome;
    expect(outcome.value?.id).toBe(ids[0]);
    const after = readState(stateFile);
    expect(after.tasks[ids[0] as string]).toMatchObject({ status: "in_progress", locked_by: "waiter", attempts: 1 });
    expect(after.tasks[ids[1] as string]?.status).toBe("pending"); // not claimed a second time
    expect(mailboxEntries(stateFile)).toEqual([]);
  });

  it("applies a call itself when the holder that took it died before committing", async () => {
    const { stateFile, ids } = await workflowWith(2);
    const lock = await holdLock(stateFile);
    const caller = runNode(WORKER, [stateFile, "waiter", "claim"]);
    const id = await postedCallId(stateFile);

    // The holder takes and applies the call, prepares its outcome, and dies before writing.
    const { codec, mailbox, applied } = takeAndApply(stateFile);
    for (const outcome of applied.outcomes) mailbox.prepare(outcome.id, outcome.json);
    codec.close();
    expect(mailboxEntries(stateFile).sort()).toEqual([`${id}.result`, `${id}.taken`]);
    await lock.release();

    const result = await caller;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Outcome).value?.id).toBe(ids[0]);
    const after = readState(stateFile);
    expect(after.tasks[ids[0] as string]).toMatchObject({ status: "in_progress", locked_by: "waiter", attempts: 1 });
    expect(after.tasks[ids[1] as string]?.status).toBe("pending");
    expect(after.committed_calls).toBeUndefined();
    expect(mailboxEntries(stateFile)).toEqual([]);
  });

  it("gives a call its rule refused back to its caller, which gets the rule's error", async () => {
    const { stateFile, ids } = await workflowWith(1);
    const lock = await holdLock(stateFile);
    const caller = runNode(WORKER, [stateFile, "waiter", "complete", ids[0] as string]);
    const id = await postedCallId(stateFile);

    const { codec, applied } = takeAndApply(stateFile);
    codec.close();
    expect(applied.outcomes).toEqual([]);
    expect([...applied.declined]).toEqual([id]); // its caller may be removing the files already
    await lock.release();

    const result = await caller;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Outcome).error?.code).toBe("TASK_NOT_IN_PROGRESS");
    expect(readState(stateFile).tasks[ids[0] as string]?.status).toBe("pending");
    expect(mailboxEntries(stateFile)).toEqual([]);
  });

  it("removes, and does not apply, the calls of a process that died waiting", async () => {
    const { stateFile, ids } = await workflowWith(1);
    const deadPid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    const mailbox = new CallMailbox(stateFile);
    const posted = mailbox.post({ op: "claim", request: { agentId: "ghost", now: new Date(), staleAfterMs: 60_000 } });
    // The same call, as a process that has since exited would have left it.
    const deadId = `${deadPid}-${posted.id.split("-")[1] ?? ""}-1`;
    writeFileSync(join(mailbox.directory, `${deadId}.call`), readFileSync(join(mailbox.directory, `${posted.id}.call`)));
    posted.withdraw();

    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "other" });
    await tm.close();
    expect(mailboxEntries(stateFile)).toEqual([]);
    expect(readState(stateFile).tasks[ids[0] as string]?.status).toBe("pending");
  });

  it("applies, rather than sweeps, a call posted from another host sharing the directory, whose pid means nothing here", async () => {
    const { stateFile, ids } = await workflowWith(1);
    const mailbox = new CallMailbox(stateFile);
    const posted = mailbox.post({ op: "claim", request: { agentId: "elsewhere", now: new Date(), staleAfterMs: 60_000 } });
    // The pid of no process here, with another host's tag: in its own container, it may well be waiting.
    const foreignId = `999999999-00000000aaaaaa-1`;
    writeFileSync(join(mailbox.directory, `${foreignId}.call`), readFileSync(join(mailbox.directory, `${posted.id}.call`)));
    posted.withdraw();

    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "other" });
    await tm.close();
    expect(readState(stateFile).tasks[ids[0] as string]).toMatchObject({ status: "in_progress", locked_by: "elsewhere" });
    expect(readState(stateFile).committed_calls).toEqual([foreignId]);
    expect(mailboxEntries(stateFile).sort()).toEqual([`${foreignId}.done`, `${foreignId}.taken`]);
  });

  it("tells a caller whose taken call never came back that it may or may not have been applied, and leaves no file of it", async () => {
    const { stateFile } = await workflowWith(1);
    const lock = await holdLock(stateFile); // kept fresh all along, as by a holder that hangs
    const caller = runNode(WORKER, [stateFile, "waiter", "claim", "", "1"]);
    const id = await postedCallId(stateFile);
    const { codec, applied } = takeAndApply(stateFile); // taken and applied in memory, never committed nor declined
    codec.close();
    expect(applied.outcomes.map((outcome) => outcome.id)).toEqual([id]);

    const result = await caller;
    await lock.release();
    expect(result.code, result.stderr).toBe(0);
    const error = (JSON.parse(result.stdout) as Outcome).error;
    expect(error?.code).toBe("STORE_UNAVAILABLE");
    expect(error?.message).toMatch(/may or may not have been applied/);
    expect(mailboxEntries(stateFile)).toEqual([]);
  });

  it("sweeps outcomes nobody waits for, and keeps those of a caller still collecting its own", async () => {
    const { stateFile } = await workflowWith(1);
    const mailbox = new CallMailbox(stateFile);
    const request = { agentId: "a", now: new Date(), staleAfterMs: 60_000 };
    const collecting = mailbox.post({ op: "claim", request });
    const left = mailbox.post({ op: "claim", request });
    const file = (id: string, suffix: string) => join(mailbox.directory, `${id}${suffix}`);
    // `collecting`: taken and committed, its caller (this live process) yet to read the outcome.
    renameSync(file(collecting.id, ".call"), file(collecting.id, ".taken"));
    writeFileSync(file(collecting.id, ".done"), JSON.stringify({ value: null }));
    // `left`: its caller removed .taken and went; a holder that had lost its lock wrote these after.
    unlinkSync(file(left.id, ".call"));
    writeFileSync(file(left.id, ".result"), JSON.stringify({ value: null }));
    writeFileSync(file(left.id, ".declined"), "");

    const tm = new TaskManager({ stateFile });
    await tm.createTask({ type: "other" });
    await tm.close();
    expect(mailboxEntries(stateFile).sort()).toEqual([`${collecting.id}.done`, `${collecting.id}.taken`]);
    expect(collecting.status()).toBe("done");
  });

  it("tells the caller, not the holder, of the expired claims its claim released", async () => {
    const { stateFile, ids } = await workflowWith(1);
    const first = new TaskManager({ stateFile });
    await first.getNextTask({ agentId: "gone", leaseSeconds: 1 });
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // its lease runs out
    const lock = await holdLock(stateFile);
    const caller = runNode(WORKER, [stateFile, "waiter", "claim"]);
    await postedCallId(stateFile);

    const { state, codec, mailbox, applied } = takeAndApply(stateFile);
    recordCommittedCalls(state, applied);
    for (const outcome of applied.outcomes) mailbox.prepare(outcome.id, outcome.json);
    await codec.write(state);
    codec.close();
    mailbox.publish(applied.outcomes.map((outcome) => outcome.id));
    await lock.release();

    const result = await caller;
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as Outcome & { notices: { leases: { taskId: string; holder: string; attempt: number }[] }[] };
    expect(outcome.value).toMatchObject({ id: ids[0], locked_by: "waiter", attempts: 2 });
    expect(outcome.notices.flatMap((notice) => notice.leases)).toEqual([expect.objectContaining({ taskId: ids[0], holder: "gone", attempt: 1 })]);
  });
});
