// The state file codec against real files. Several codecs on one file stand for
// several processes: each keeps its own index, as a process would.
import { readdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoredTask, WorkflowState } from "../../src/core/schema.js";
import * as rules from "../../src/core/workflow-rules.js";
import { writableTask } from "../../src/core/writable-task.js";
import { parseStateFile } from "../../src/store/parse-state-file.js";
import { StateFileCodec } from "../../src/store/state-file-codec.js";
import { tempDir } from "../helpers/temp-dir.js";

/**
 * Every suite runs twice: with the default, where these small files are kept in memory,
 * and with nothing kept in memory, where every version is read from its descriptor as
 * a big workflow's is.
 */
const MODES = [
  { mode: "versions kept in memory", inMemoryMaxBytes: undefined },
  { mode: "versions read from their descriptors", inMemoryMaxBytes: 0 },
];
let inMemoryMaxBytes: number | undefined;
const codecOn = (file: string): StateFileCodec => new StateFileCodec(file, { inMemoryMaxBytes });

const T0 = new Date("2026-01-01T00:00:00.000Z");
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const DAY_MS = 24 * 3_600_000;

/** What the store wrote before the codec, and what it must still write, byte for byte. */
const plain = (state: WorkflowState): string => `${JSON.stringify(state, null, 2)}\n`;

/**
 * What the whole-file parse makes of the file. Compared as JSON values: a task a
 * process changed itself keeps its fields in the order the rules added them, as the
 * store's cache always did, where the whole-file parse puts known fields first.
 */
const wholeFile = (file: string): WorkflowState => parseStateFile(file, readFileSync(file));

/** Descriptors this process holds on files in the directory of `file` (replaced versions show as "(deleted)"). */
function openOn(file: string): number {
  const dir = join(file, "..");
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) count += 1;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

async function stateFile(): Promise<string> {
  return join(await tempDir(), "state.json");
}

/** Another writer's commit, as every store makes it: a new file renamed over the old one. */
function replaceFile(file: string, text: string | Buffer): void {
  writeFileSync(`${file}.other`, text);
  renameSync(`${file}.other`, file);
}

function workflowWith(count: number): WorkflowState {
  const state = rules.newWorkflowState(T0);
  rules.createTasks(
    state,
    Array.from({ length: count }, (_, i) => ({ type: i % 3 === 0 ? "analyze" : "work", data: { i, tags: ["a", "b"] }, parentId: null })),
    T0,
  );
  return state;
}

/** Writes `state` as the store does; the file is always what JSON.stringify writes. */
async function write(codec: StateFileCodec, file: string, state: WorkflowState): Promise<void> {
  await codec.write(state);
  expect(readFileSync(file, "utf8")).toBe(plain(state));
}

/** Two processes on a new file of `count` tasks: `theirs` wrote it, `mine` has read it. */
async function twoProcesses(count: number): Promise<{ file: string; mine: StateFileCodec; theirs: StateFileCodec }> {
  const file = await stateFile();
  const theirs = codecOn(file);
  await write(theirs, file, workflowWith(count));
  const mine = codecOn(file);
  mine.read();
  return { file, mine, theirs };
}

/** One locked read-modify-write as the store does it. */
async function change(codec: StateFileCodec, file: string, apply: (state: WorkflowState) => void): Promise<void> {
  const state = codec.read() ?? rules.newWorkflowState(T0);
  codec.beginChange();
  apply(state);
  await write(codec, file, state);
}

/** The token of each task's last claim, which its holder passes back. */
const claimTokens = new Map<string, string>();
const claim = (agentId: string, now: Date) => (state: WorkflowState) => {
  const claimed = rules.claimNextTask(state, { agentId, now, staleAfterMs: DAY_MS }).value;
  if (claimed) claimTokens.set(claimed.id, claimed.claim_token);
};
const completeFirstHeld = (agentId: string, now: Date) => (state: WorkflowState) => {
  const id = Object.keys(state.tasks).find((key) => state.tasks[key]?.locked_by === agentId);
  if (id) rules.completeTask(state, { taskId: id, agentId, claimToken: claimTokens.get(id), status: "completed", resultData: { by: agentId }, now });
};
const nth = (state: WorkflowState, i: number): StoredTask => state.tasks[Object.keys(state.tasks)[i] as string] as StoredTask;
/** The n-th task, to change: tasks the codec read or wrote are frozen, and a change goes to a copy, as in the rules. */
const edit = (state: WorkflowState, i: number): StoredTask => writableTask(state, Object.keys(state.tasks)[i] as string);

describe.each(MODES)("$mode", (mode) => {
  beforeEach(() => {
    inMemoryMaxBytes = mode.inMemoryMaxBytes;
  });

  describe("write", () => {
    it("writes exactly what JSON.stringify(state, null, 2) writes, stringifying only changed tasks", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      const state = workflowWith(50);
      await write(codec, file, state);

      // a top-level field, a replaced nested value, a new field, a removed field
      edit(state, 0).status = "in_progress";
      edit(state, 25).data = { replaced: true, nested: { deep: [1, 2, 3] } };
      edit(state, 49).result = { note: "added at the end of the object" };
      delete (edit(state, 10) as Partial<StoredTask>).attempts;
      state.metadata.environment = "production";
      const before = codec.counts.tasksStringified;
      await write(codec, file, state);
      expect(codec.counts.tasksStringified - before).toBe(4);

      rules.createTasks(state, [{ type: "late", data: { text: 'é ✓ \u2028 "quoted"\n' }, parentId: Object.keys(state.tasks)[3] as string }], at(5));
      await write(codec, file, state);
      await write(codec, file, state); // nothing changed: the same bytes again
    });

    it("writes an empty workflow and top-level fields after the tasks as JSON.stringify does", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      const state = rules.newWorkflowState(T0) as WorkflowState & { extra?: unknown };
      await write(codec, file, state);
      rules.createTasks(state, [{ type: "a", data: {}, parentId: null }], T0);
      state.extra = { after: "tasks" };
      await write(codec, file, state);
      edit(state, 0).status = "cancelled";
      await write(codec, file, state);
    });

    it("serialises afresh, every time, values that are not plain JSON", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      const state = workflowWith(3);
      const when = new Date("2026-02-02T00:00:00.000Z");
      (edit(state, 1) as Record<string, unknown>).odd = { when };
      await write(codec, file, state);
      when.setUTCFullYear(2030); // changed in place: not frozen, so never served from the index
      await write(codec, file, state);
    });

    it("never freezes a caller's object; the task gets an equal frozen copy instead", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      const state = workflowWith(2);
      const callersResult = { output: "results.json" };
      edit(state, 0).result = callersResult;
      await write(codec, file, state);
      expect(Object.isFrozen(callersResult)).toBe(false);
      expect(nth(state, 0).result).toEqual(callersResult);
      expect(Object.isFrozen(nth(state, 0).result)).toBe(true);
    });

    it("makes in-place changes to a read task or its nested values fail loudly instead of going unwritten", async () => {
      const file = await stateFile();
      await write(codecOn(file), file, workflowWith(2));
      const state = codecOn(file).read() as WorkflowState;
      const task = nth(state, 0);
      expect(() => {
        task.status = "cancelled";
      }).toThrow(TypeError);
      expect(() => {
        (task.data as Record<string, unknown>).sneaky = 1;
      }).toThrow(TypeError);
      // A rule changes a copy in its place: the task read stays as it was.
      const copy = edit(state, 0);
      copy.status = "cancelled";
      expect(nth(state, 0)).toBe(copy);
      expect(task.status).toBe("pending");
      expect(() => (task.history as unknown[]).push({})).toThrow(TypeError);
    });

    it("commits nothing when the check before the rename throws, and reads the file as it is after", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      await write(codec, file, workflowWith(5));
      const before = readFileSync(file, "utf8");
      const state = codec.read() as WorkflowState;
      codec.beginChange();
      edit(state, 2).status = "cancelled";
      await expect(codec.write(state, { beforeRename: async () => Promise.reject(new Error("lock lost")) })).rejects.toThrow("lock lost");
      expect(readFileSync(file, "utf8")).toBe(before);
      expect(readdirSync(join(file, ".."))).toEqual(["state.json"]);
      expect(codec.read()).toEqual(wholeFile(file));
    });

    it("keeps one version of the file open, not one per write", async () => {
      const file = await stateFile();
      const openFds = (): number => openOn(file);
      const codec = codecOn(file);
      const baseline = 0;
      await write(codec, file, workflowWith(5));
      for (let i = 0; i < 30; i++) await change(codec, file, claim("a", at(i)));
      const other = codecOn(file);
      for (let i = 0; i < 5; i++) {
        await change(other, file, completeFirstHeld("a", at(40 + i)));
        expect(codec.read()).toEqual(wholeFile(file));
      }
      // Replaced versions are closed on the thread pool: wait until those closes are done.
      const settled = async (atMost: number): Promise<number> => {
        for (let i = 0; i < 200 && openFds() - baseline > atMost; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        return openFds() - baseline;
      };
      expect(await settled(2)).toBeLessThanOrEqual(2); // one each
      codec.close();
      other.close();
      expect(await settled(0)).toBe(0);
    });
  });

  describe("a codec dropped without close()", () => {
    it("lets go of its file version once it is garbage-collected", async () => {
      v8.setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      const file = await stateFile();
      const openFds = (): number => openOn(file);
      const baseline = 0;
      await (async () => {
        const codec = codecOn(file);
        await write(codec, file, workflowWith(3));
        expect(openFds()).toBeGreaterThan(baseline);
      })();
      for (let i = 0; i < 100 && openFds() > baseline; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(openFds()).toBe(baseline);
    });
  });

  describe("read", () => {
    it("answers from the index while the file is the one it read or wrote", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      expect(codec.read()).toBeNull();
      await write(codec, file, workflowWith(20));
      const before = { ...codec.counts };
      codec.read();
      codec.read();
      expect(codec.counts).toEqual({ ...before, unchangedReads: before.unchangedReads + 2 });
    });

    it("reads what another process wrote, parsing only the tasks that changed", async () => {
      const file = await stateFile();
      const mine = codecOn(file);
      const theirs = codecOn(file);
      await write(theirs, file, workflowWith(30));
      expect(mine.read()).toEqual(wholeFile(file));

      await change(theirs, file, claim("other", at(1)));
      const before = { ...mine.counts };
      const seen = mine.read() as WorkflowState;
      expect(seen).toEqual(wholeFile(file));
      expect(Object.values(seen.tasks).filter((t) => t.locked_by === "other")).toHaveLength(1);
      expect(mine.counts).toMatchObject({ wholeFileParses: before.wholeFileParses, tasksParsed: before.tasksParsed + 1, tasksReused: before.tasksReused + 29 });

      await change(theirs, file, completeFirstHeld("other", at(2)));
      await change(theirs, file, (state) => rules.createTasks(state, [{ type: "new", data: { x: 1 }, parentId: null }], at(3)));
      expect(mine.read()).toEqual(wholeFile(file));

      // a hand-made file with the same tasks in another order
      const reordered = wholeFile(file);
      reordered.tasks = Object.fromEntries(Object.entries(reordered.tasks).reverse());
      replaceFile(file, plain(reordered));
      expect(mine.read()).toEqual(wholeFile(file));
    });

    it("reads a changed file whole, once, if it keeps versions in memory, and then writes without reading", async () => {
      const { file, mine, theirs } = await twoProcesses(30);
      await change(theirs, file, claim("other", at(1)));
      let before = mine.counts.bytesRead;
      expect(mine.read()).toEqual(wholeFile(file));
      const inMemory = mode.inMemoryMaxBytes === undefined;
      const size = statSync(file).size;
      if (inMemory) expect(mine.counts.bytesRead - before).toBe(size);
      else expect(mine.counts.bytesRead - before).toBeGreaterThan(0);

      before = mine.counts.bytesRead;
      await change(mine, file, claim("mine", at(2))); // the unchanged tasks' text is copied from the version read
      if (inMemory) expect(mine.counts.bytesRead).toBe(before);
      else expect(mine.counts.bytesRead - before).toBeGreaterThan(size / 2);
      expect(theirs.read()).toEqual(wholeFile(file));
    });

    it("works on what it read from another process, and that process reads its writes back", async () => {
      const file = await stateFile();
      const a = codecOn(file);
      const b = codecOn(file);
      await write(a, file, workflowWith(20));
      for (let round = 0; round < 10; round++) {
        const [writer, agent] = round % 2 === 0 ? [b, "b"] : [a, "a"];
        await change(writer, file, claim(agent, at(round * 2)));
        await change(writer, file, completeFirstHeld(agent, at(round * 2 + 1)));
        expect(a.read()).toEqual(wholeFile(file));
        expect(b.read()).toEqual(wholeFile(file));
      }
      expect(rules.summarize(a.read() as WorkflowState, at(100)).status_counts).toMatchObject({ completed: 10, pending: 10, in_progress: 0 });
    });

    it("after a change that was never written, reads the file's state, not the changed objects", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      await write(codec, file, workflowWith(5));
      const state = codec.read() as WorkflowState;
      codec.beginChange();
      edit(state, 2).status = "cancelled"; // e.g. the write failed, or a rule refused half-way
      edit(state, 2).data = { changed: true };
      state.metadata.last_updated = "changed";

      const parsedBefore = codec.counts.tasksParsed;
      const reread = codec.read() as WorkflowState;
      expect(reread).toEqual(wholeFile(file));
      expect(Object.values(reread.tasks).some((t) => t.status === "cancelled")).toBe(false);
      // Nothing parsed again: the change went to a copy, and the frozen task read stands for the file.
      expect(codec.counts.tasksParsed - parsedBefore).toBe(0);
    });

    it("after such a change, takes another process's write, not its own change", async () => {
      const file = await stateFile();
      const mine = codecOn(file);
      const theirs = codecOn(file);
      await write(mine, file, workflowWith(10));
      theirs.read();
      const state = mine.read() as WorkflowState;
      mine.beginChange();
      edit(state, 1).status = "failed"; // among the tasks kept at the start: must not survive
      edit(state, 9).data = { mine: true }; // among those kept at the end: must not survive
      await change(theirs, file, (s) => (edit(s, 5).locked_by = "theirs"));
      const read = mine.read() as WorkflowState;
      expect(read).toEqual(wholeFile(file));
      expect(Object.values(read.tasks).map((t) => t.status)).not.toContain("failed");
    });

    it("reads a file edited in place (same inode, even the same length) from scratch", async () => {
      const file = await stateFile();
      const codec = codecOn(file);
      await write(codec, file, workflowWith(6));
      const text = readFileSync(file, "utf8");
      const edited = text.replace('"i": 4,', '"i": 7,');
      expect(edited.length).toBe(text.length);
      writeFileSync(file, edited); // truncates and rewrites the very file the codec keeps open
      expect(codec.read()).toEqual(wholeFile(file));
      expect(Object.values(codec.read()?.tasks ?? {}).map((t) => t.data.i)).toContain(7);
    });

    it("reads changes at the start, the middle and the end, several at once, appended and removed tasks", async () => {
      const variants: ((state: WorkflowState) => void)[] = [
        (state) => (edit(state, 0).status = "cancelled"),
        (state) => (edit(state, 20).data = { middle: true }),
        (state) => (edit(state, 39).result = { last: true }),
        (state) => {
          edit(state, 3).locked_by = "x";
          edit(state, 35).locked_by = "y";
        },
        (state) => rules.createTasks(state, [{ type: "appended", data: {}, parentId: null }], at(9)),
        (state) => delete state.tasks[Object.keys(state.tasks)[17] as string],
        (state) => delete state.tasks[Object.keys(state.tasks)[0] as string],
        (state) => delete state.tasks[Object.keys(state.tasks)[39] as string],
        (state) => {
          state.tasks = Object.fromEntries(Object.entries(state.tasks).reverse());
        },
        (state) => ((state as WorkflowState & { extra?: unknown }).extra = { after: "tasks" }),
      ];
      for (const variant of variants) {
        const { file, mine, theirs } = await twoProcesses(40);
        await change(theirs, file, variant);
        const before = { ...mine.counts };
        expect(mine.read()).toEqual(wholeFile(file));
        // Only a new top-level field after "tasks" (no rule adds one) sends it to the whole-file parse.
        const extraField = variant === variants[variants.length - 1];
        expect(mine.counts.wholeFileParses).toBe(before.wholeFileParses + (extraField ? 1 : 0));
        // and what it read, it writes back as JSON.stringify would
        await change(mine, file, (state) => rules.createTasks(state, [{ type: "mine", data: {}, parentId: null }], at(10)));
        expect(theirs.read()).toEqual(wholeFile(file));
      }
    });

    it("finds a change that differs only in the last or the first bytes of a task's text", async () => {
      // The kept tasks are found by comparing the two versions from both ends: a change whose
      // first differing byte is a few bytes before a task's end (a history entry appended), or
      // whose last one is a few bytes after its start (its type), must still be read.
      const variants: ((task: StoredTask) => void)[] = [
        (task) => (task.history = [...(task.history ?? []), { at: "2026-01-01T00:00:09.000Z", event: "released" }]),
        (task) => (task.history = (task.history ?? []).slice(0, -1)),
        (task) => (task.type = task.type.slice(0, -1) + "x"),
        (task) => (task.type = "x" + task.type.slice(1)),
      ];
      for (const variant of variants) {
        for (const place of [0, 1, 7, 18, 19]) {
          const { file, mine, theirs } = await twoProcesses(20);
          await change(theirs, file, (state) => variant(edit(state, place)));
          expect(mine.read()).toEqual(wholeFile(file));
          expect(mine.counts.wholeFileParses).toBe(0);
        }
      }
    });

    it("parses files in any other layout whole: the Python seed's, compact JSON, duplicate ids", async () => {
      const state = workflowWith(3);
      const ids = Object.keys(state.tasks);
      const layouts = [
        JSON.stringify(state),
        plain(state).trimEnd().replaceAll("é", "\\u00e9"), // no final newline
        plain(state).replace(`"${ids[1]}": {`, `"${ids[0]}": {`),
      ];
      for (const text of layouts) {
        const file = await stateFile();
        const codec = codecOn(file);
        await write(codec, file, workflowWith(3)); // something indexed, so the incremental path is tried
        replaceFile(file, text);
        expect(codec.read()).toEqual(wholeFile(file));
        expect(codec.counts.wholeFileParses).toBe(1);
      }
    });

    it("gives STATE_FILE_CORRUPT, with the whole-file message, for what the whole-file parse refuses", async () => {
      const file = await stateFile();
      await write(codecOn(file), file, workflowWith(12));
      const good = readFileSync(file, "utf8");
      const ids = Object.keys(wholeFile(file).tasks);
      const fragmentOf = (id: string): string => {
        const start = good.indexOf(`    "${id}": {`);
        return good.slice(start, good.indexOf("\n    }", start) + 6);
      };
      const variants = [
        good.replace(`"${ids[6]}": {\n      "type": "work",\n      "status": "pending"`, `"${ids[6]}": {\n      "type": "work",\n      "status": "exploded"`),
        good.replace(`"${ids[6]}": {\n      "type": "work"`, `"${ids[6]}": {\n      "type": 7`),
        good.replace(`"${ids[6]}": {`, `"${ids[6]}": {{`),
        good.slice(0, good.indexOf(`"${ids[6]}": {`) + 40),
        good.replace(`"${ids[6]}": {`, `"__proto__": {`),
        good.replace('"metadata": {', '"metadata": 5, "x": {'),
        // a task twice: once where it was, once further on, changed
        good.replace(`${fragmentOf(ids[8] as string)},\n`, `${fragmentOf(ids[8] as string)},\n${fragmentOf(ids[2] as string).replace('"pending"', '"failed"')},\n`),
        // the comma between two tasks missing, or another character in its place
        good.replace(`${fragmentOf(ids[6] as string)},\n`, `${fragmentOf(ids[6] as string)}\n`),
        good.replace(`${fragmentOf(ids[6] as string)},\n`, `${fragmentOf(ids[6] as string)}x\n`),
        // the same between two tasks that both changed
        good.replace(
          `${fragmentOf(ids[5] as string)},\n${fragmentOf(ids[6] as string)}`,
          `${fragmentOf(ids[5] as string).replace('"pending"', '"failed"')}x\n${fragmentOf(ids[6] as string).replace('"pending"', '"failed"')}`,
        ),
        good.slice(0, Math.floor(good.length / 2)),
        good.replace(fragmentOf(ids[5] as string), fragmentOf(ids[5] as string).replace('"i": 5', '"i": 5,')),
      ];
      for (const variant of variants) {
        replaceFile(file, good);
        const mine = codecOn(file);
        mine.read();
        replaceFile(file, variant);
        let expected: WorkflowState;
        try {
          expected = wholeFile(file);
        } catch (error) {
          expect(error).toMatchObject({ code: "STATE_FILE_CORRUPT" });
          expect(() => mine.read()).toThrow(error as Error);
          expect(readFileSync(file, "utf8")).toBe(variant);
          continue;
        }
        expect(mine.read()).toEqual(expected);
        // and what it indexed is right: a change written from it reads back as the whole-file parse does
        await change(mine, file, (state) => rules.createTasks(state, [{ type: "next", data: {}, parentId: null }], at(20)));
        expect(codecOn(file).read()).toEqual(wholeFile(file));
      }
    });

    it("agrees with the whole-file parse over a long random sequence of changes from three processes", async () => {
      const file = await stateFile();
      const codecs = [codecOn(file), codecOn(file), codecOn(file)];
      await write(codecs[0] as StateFileCodec, file, workflowWith(15));
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (let step = 0; step < 150; step++) {
        const k = random(3);
        const agent = `agent-${k}`;
        const now = at(step);
        const op = random(8);
        await change(codecs[k] as StateFileCodec, file, (state) => {
          if (op === 0) rules.createTasks(state, [{ type: "work", data: { step }, parentId: null }], now);
          else if (op === 1 || op === 2) claim(agent, now)(state);
          else if (op === 3) completeFirstHeld(agent, now)(state);
          else if (op === 4) rules.updateMetadata(state, { step }, now);
          else if (op === 6) {
            const task = edit(state, random(Object.keys(state.tasks).length)) as StoredTask & { note?: unknown };
            if (random(2) === 0) task.data = { ...task.data, step };
            else task.note = { step }; // a field no rule knows, added at the end
          } else if (op === 7) {
            const ids = Object.keys(state.tasks);
            if (ids.length > 5) delete state.tasks[ids[random(ids.length)] as string]; // a hand edit
          } else {
            const held = Object.keys(state.tasks).find((id) => state.tasks[id]?.locked_by === agent);
            if (held) rules.releaseTask(state, { taskId: held, agentId: agent, claimToken: claimTokens.get(held), now });
          }
        });
        expect((codecs[random(3)] as StateFileCodec).read()).toEqual(wholeFile(file));
      }
      // and it was the incremental path that agreed: no process read the whole file
      expect(codecs.reduce((sum, codec) => sum + codec.counts.wholeFileParses, 0)).toBe(0);
      expect(codecs.reduce((sum, codec) => sum + codec.counts.tasksReused, 0)).toBeGreaterThan(1000);
    });
  });
});

describe("versions kept in memory", () => {
  it("keeps working as the file grows past what is kept in memory and shrinks below it again", async () => {
    const file = await stateFile();
    const options = { inMemoryMaxBytes: 6_000 };
    const writer = new StateFileCodec(file, options);
    const reader = new StateFileCodec(file, options);
    await write(writer, file, workflowWith(3));
    for (let round = 0; round < 12; round++) {
      await change(writer, file, (state) => rules.createTasks(state, [{ type: "work", data: { round }, parentId: null }], at(round)));
      await change(writer, file, claim("w", at(round)));
      expect(reader.read()).toEqual(wholeFile(file));
    }
    expect(statSync(file).size).toBeGreaterThan(options.inMemoryMaxBytes);
    replaceFile(file, plain(workflowWith(2))); // another process starts the workflow over
    expect(reader.read()).toEqual(wholeFile(file));
    await change(reader, file, claim("r", at(100)));
    expect(writer.read()).toEqual(wholeFile(file));
  });

  it("reports a corrupt file with bytes of its own, not memory that later versions reuse", async () => {
    const file = await stateFile();
    const codec = new StateFileCodec(file);
    await write(codec, file, workflowWith(8));
    const corrupt = readFileSync(file, "utf8").replace('"status": "pending"', '"status": "exploded"');
    replaceFile(file, corrupt);
    let reported: Buffer | undefined;
    expect(() =>
      codec.read((bytes, error) => {
        reported = bytes;
        throw error;
      }),
    ).toThrow();
    for (let round = 0; round < 4; round++) {
      replaceFile(file, plain(workflowWith(8 + round))); // each read takes memory from the pool
      codec.read();
    }
    expect(reported?.toString("utf8")).toBe(corrupt);
  });
});
