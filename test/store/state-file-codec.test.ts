import { describe, expect, it } from "vitest";
import type { StoredTask, WorkflowState } from "../../src/core/schema.js";
import * as rules from "../../src/core/workflow-rules.js";
import { parseStateFile } from "../../src/store/parse-state-file.js";
import { StateFileCodec } from "../../src/store/state-file-codec.js";

const FILE = "/state/test.json";
const T0 = new Date("2026-01-01T00:00:00.000Z");
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const DAY_MS = 24 * 3_600_000;

/** What the store wrote before the codec, and what encode must still write, byte for byte. */
const plain = (state: WorkflowState): string => `${JSON.stringify(state, null, 2)}\n`;

/**
 * What the whole-file parse makes of the bytes. Compared as JSON values: a task a
 * process changed itself keeps its fields in the order the rules added them, as the
 * store's cache always did, where the whole-file parse puts known fields first.
 */
const wholeFile = (bytes: Buffer): WorkflowState => parseStateFile(FILE, bytes);

function workflowWith(count: number): WorkflowState {
  const state = rules.newWorkflowState(T0);
  rules.createTasks(
    state,
    Array.from({ length: count }, (_, i) => ({ type: i % 3 === 0 ? "analyze" : "work", data: { i, tags: ["a", "b"] }, parentId: null })),
    T0,
  );
  return state;
}

/** Writes `state` as the store does (encode, then commit as if the write succeeded); always what JSON.stringify writes. */
function write(codec: StateFileCodec, state: WorkflowState): Buffer {
  const encoded = codec.encode(state);
  expect(encoded.bytes.toString()).toBe(plain(state));
  encoded.commit();
  return encoded.bytes;
}

/** One locked read-modify-write as the store does it. */
function change(codec: StateFileCodec, bytes: Buffer, apply: (state: WorkflowState) => void): Buffer {
  const state = codec.decode(bytes);
  codec.beginChange();
  apply(state);
  return write(codec, state);
}

const claim = (agentId: string, now: Date) => (state: WorkflowState) => {
  rules.claimNextTask(state, { agentId, now, staleAfterMs: DAY_MS });
};
const completeFirstHeld = (agentId: string, now: Date) => (state: WorkflowState) => {
  const id = Object.keys(state.tasks).find((key) => state.tasks[key]?.locked_by === agentId);
  if (id) rules.completeTask(state, { taskId: id, agentId, status: "completed", resultData: { by: agentId }, now });
};

describe("encode", () => {
  it("writes exactly what JSON.stringify(state, null, 2) writes, before and after changes", () => {
    const codec = new StateFileCodec(FILE);
    const state = workflowWith(50);
    expect(write(codec, state).toString()).toBe(plain(state));

    const ids = Object.keys(state.tasks);
    const first = state.tasks[ids[0] as string] as StoredTask;
    const middle = state.tasks[ids[25] as string] as StoredTask;
    const last = state.tasks[ids[49] as string] as StoredTask;
    // a top-level field, a replaced nested value, a new field, a removed field
    first.status = "in_progress";
    middle.data = { replaced: true, nested: { deep: [1, 2, 3] } };
    last.result = { note: "added at the end of the object" };
    delete (state.tasks[ids[10] as string] as Partial<StoredTask>).attempts;
    state.metadata.environment = "production";
    const before = codec.counts.tasksStringified;
    expect(write(codec, state).toString()).toBe(plain(state));
    expect(codec.counts.tasksStringified - before).toBe(4); // only the changed tasks

    rules.createTasks(state, [{ type: "late", data: { text: "é ✓ \u2028 \"quoted\"\n" }, parentId: ids[3] as string }], at(5));
    expect(write(codec, state).toString()).toBe(plain(state));

    // nothing changed: the same bytes again
    const again = write(codec, state);
    expect(again.toString()).toBe(plain(state));
  });

  it("writes an empty workflow and extra top-level fields as JSON.stringify does", () => {
    const codec = new StateFileCodec(FILE);
    const state = rules.newWorkflowState(T0) as WorkflowState & { extra?: unknown };
    expect(write(codec, state).toString()).toBe(plain(state));
    rules.createTasks(state, [{ type: "a", data: {}, parentId: null }], T0);
    state.extra = { after: "tasks" };
    expect(write(codec, state).toString()).toBe(plain(state));
    (state.tasks[Object.keys(state.tasks)[0] as string] as StoredTask).status = "cancelled";
    expect(write(codec, state).toString()).toBe(plain(state));
  });

  it("serialises afresh, every time, values that are not plain JSON", () => {
    const codec = new StateFileCodec(FILE);
    const state = workflowWith(3);
    const id = Object.keys(state.tasks)[1] as string;
    const when = new Date("2026-02-02T00:00:00.000Z");
    (state.tasks[id] as Record<string, unknown>).odd = { when };
    expect(write(codec, state).toString()).toBe(plain(state));
    when.setUTCFullYear(2030); // changed in place: not frozen, so it must not be served from the cache
    expect(write(codec, state).toString()).toBe(plain(state));
  });

  it("never freezes a caller's object; the task gets an equal frozen copy instead", () => {
    const codec = new StateFileCodec(FILE);
    const state = workflowWith(2);
    const id = Object.keys(state.tasks)[0] as string;
    const callersResult = { output: "results.json" };
    (state.tasks[id] as StoredTask).result = callersResult;
    write(codec, state);
    expect(Object.isFrozen(callersResult)).toBe(false);
    expect((state.tasks[id] as StoredTask).result).toEqual(callersResult);
    expect(Object.isFrozen((state.tasks[id] as StoredTask).result)).toBe(true);
  });

  it("makes in-place changes to nested values of a written task fail loudly instead of going unwritten", () => {
    const codec = new StateFileCodec(FILE);
    const state = codec.decode(write(new StateFileCodec(FILE), workflowWith(2)));
    const task = Object.values(state.tasks)[0] as StoredTask;
    expect(() => {
      (task.data as Record<string, unknown>).sneaky = 1;
    }).toThrow(TypeError);
    expect(() => (task.history as unknown[]).push({})).toThrow(TypeError);
  });
});

describe("decode", () => {
  it("reads what another process wrote: each change, a new task, and a reordering", () => {
    const mine = new StateFileCodec(FILE);
    const theirs = new StateFileCodec(FILE);
    let bytes = write(theirs, workflowWith(30));
    expect(mine.decode(bytes)).toEqual(wholeFile(bytes));

    bytes = change(theirs, bytes, claim("other", at(1)));
    const before = { ...mine.counts };
    const seen = mine.decode(bytes);
    expect(seen).toEqual(wholeFile(bytes));
    expect(Object.values(seen.tasks).filter((t) => t.locked_by === "other")).toHaveLength(1);
    // the claimed task parsed and validated, the 29 others known by their bytes
    expect(mine.counts).toMatchObject({ wholeFileParses: before.wholeFileParses, tasksParsed: before.tasksParsed + 1, tasksReused: before.tasksReused + 29 });

    bytes = change(theirs, bytes, completeFirstHeld("other", at(2)));
    bytes = change(theirs, bytes, (state) => {
      rules.createTasks(state, [{ type: "new", data: { x: 1 }, parentId: null }], at(3));
    });
    expect(mine.decode(bytes)).toEqual(wholeFile(bytes));

    // a hand-made file with the same tasks in another order
    const reordered = parseStateFile(FILE, bytes);
    reordered.tasks = Object.fromEntries(Object.entries(reordered.tasks).reverse());
    const reorderedBytes = Buffer.from(plain(reordered));
    expect(mine.decode(reorderedBytes)).toEqual(wholeFile(reorderedBytes));
  });

  it("works on, and writes, what it read from another process, and that process reads it back", () => {
    const a = new StateFileCodec(FILE);
    const b = new StateFileCodec(FILE);
    let bytes = write(a, workflowWith(20));
    for (let round = 0; round < 10; round++) {
      const [writer, agent] = round % 2 === 0 ? [b, "b"] : [a, "a"];
      bytes = change(writer, bytes, claim(agent, at(round * 2)));
      bytes = change(writer, bytes, completeFirstHeld(agent, at(round * 2 + 1)));
      expect(a.decode(bytes)).toEqual(wholeFile(bytes));
      expect(b.decode(bytes)).toEqual(wholeFile(bytes));
    }
    const summary = rules.summarize(a.decode(bytes), at(100));
    expect(summary.status_counts).toMatchObject({ completed: 10, pending: 10, in_progress: 0 });
  });

  it("after a change that was never written, reads the file's state, not the changed objects", () => {
    const codec = new StateFileCodec(FILE);
    const bytes = write(codec, workflowWith(5));
    const state = codec.decode(bytes);
    codec.beginChange();
    const task = Object.values(state.tasks)[2] as StoredTask;
    task.status = "cancelled"; // e.g. the write failed, or a rule refused half-way
    task.data = { changed: true };
    state.metadata.last_updated = "changed";

    const parsedBefore = codec.counts.tasksParsed;
    const reread = codec.decode(bytes);
    expect(reread).toEqual(wholeFile(bytes));
    expect(codec.counts.tasksParsed - parsedBefore).toBe(1); // the changed task, from the file
    expect(Object.values(reread.tasks).some((t) => t.status === "cancelled")).toBe(false);
  });

  it("re-reads the file when it changed between calls, even to the same length", () => {
    const mine = new StateFileCodec(FILE);
    const theirs = new StateFileCodec(FILE);
    const bytes = write(mine, workflowWith(4));
    theirs.decode(bytes);
    const changed = change(theirs, bytes, (state) => {
      const task = Object.values(state.tasks)[1] as StoredTask;
      task.type = task.type.toUpperCase();
    });
    expect(changed.length).toBe(bytes.length);
    expect(mine.decode(changed)).toEqual(wholeFile(changed));
  });

  it("reads changes at the start, the middle and the end, several at once, appended and removed tasks", () => {
    const theirs = new StateFileCodec(FILE);
    const base = write(theirs, workflowWith(40));
    const variants: ((state: WorkflowState) => void)[] = [
      (state) => ((Object.values(state.tasks)[0] as StoredTask).status = "cancelled"),
      (state) => ((Object.values(state.tasks)[20] as StoredTask).data = { middle: true }),
      (state) => ((Object.values(state.tasks)[39] as StoredTask).result = { last: true }),
      (state) => {
        const all = Object.values(state.tasks);
        (all[3] as StoredTask).locked_by = "x";
        (all[35] as StoredTask).locked_by = "y";
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
      const mine = new StateFileCodec(FILE);
      mine.decode(base);
      const other = new StateFileCodec(FILE);
      const changed = change(other, base, variant);
      const before = { ...mine.counts };
      expect(mine.decode(changed)).toEqual(wholeFile(changed));
      // Only a new top-level field after "tasks" (no rule adds one) sends it to the whole-file parse.
      const extraField = variant === variants[variants.length - 1];
      expect(mine.counts.wholeFileParses).toBe(before.wholeFileParses + (extraField ? 1 : 0));
      // and what it read, it writes back as JSON.stringify would, reusing what it can
      const again = mine.decode(changed);
      mine.beginChange();
      rules.createTasks(again, [{ type: "mine", data: {}, parentId: null }], at(10));
      write(mine, again);
    }
  });

  it("refuses what the whole-file parse refuses, around kept tasks too", () => {
    const theirs = new StateFileCodec(FILE);
    const good = write(theirs, workflowWith(12));
    const text = good.toString();
    const ids = Object.keys(parseStateFile(FILE, good).tasks);
    const fragmentOf = (id: string): string => {
      const start = text.indexOf(`    "${id}": {`);
      return text.slice(start, text.indexOf("\n    }", start) + 6);
    };
    const variants = [
      // a task twice: once where it was, once further on
      text.replace(`${fragmentOf(ids[8] as string)},\n`, `${fragmentOf(ids[8] as string)},\n${fragmentOf(ids[2] as string)},\n`),
      // a task twice, the second time changed
      text.replace(`${fragmentOf(ids[8] as string)},\n`, `${fragmentOf(ids[8] as string)},\n${fragmentOf(ids[2] as string).replace('"pending"', '"failed"')},\n`),
      // the comma between two tasks missing, or another character in its place, just before the kept end
      text.replace(`${fragmentOf(ids[6] as string)},\n`, `${fragmentOf(ids[6] as string)}\n`),
      text.replace(`${fragmentOf(ids[6] as string)},\n`, `${fragmentOf(ids[6] as string)}x\n`),
      // cut off in the middle
      text.slice(0, Math.floor(text.length / 2)),
      // a valid change that a bad byte elsewhere spoils
      text.replace('"pending"', '"pending"').replace(fragmentOf(ids[5] as string), fragmentOf(ids[5] as string).replace('"i": 5', '"i": 5,')),
    ];
    for (const variant of variants) {
      const bytes = Buffer.from(variant);
      const mine = new StateFileCodec(FILE);
      mine.decode(good);
      let expected: unknown = null;
      try {
        expected = wholeFile(bytes);
      } catch (error) {
        expect(() => mine.decode(bytes)).toThrow(error as Error);
        continue;
      }
      expect(mine.decode(bytes)).toEqual(expected);
      // and what it indexed is right: a change written from it is what JSON.stringify writes, and reads back
      const after = change(mine, bytes, (state) => rules.createTasks(state, [{ type: "next", data: {}, parentId: null }], at(20)));
      expect(new StateFileCodec(FILE).decode(after)).toEqual(wholeFile(after));
    }
  });

  it("after a change in this process that was never written, takes another process's write, not its own change", () => {
    const mine = new StateFileCodec(FILE);
    const theirs = new StateFileCodec(FILE);
    const bytes = write(mine, workflowWith(10));
    theirs.decode(bytes);
    const state = mine.decode(bytes);
    mine.beginChange();
    (Object.values(state.tasks)[1] as StoredTask).status = "failed"; // kept start: must not survive
    (Object.values(state.tasks)[9] as StoredTask).data = { mine: true }; // kept end: must not survive
    const changed = change(theirs, bytes, (s) => ((Object.values(s.tasks)[5] as StoredTask).locked_by = "theirs"));
    const read = mine.decode(changed);
    expect(read).toEqual(wholeFile(changed));
    expect(Object.values(read.tasks).map((t) => t.status)).not.toContain("failed");
  });

  it("parses files in any other layout whole: the Python seed's, compact JSON, duplicate ids", () => {
    const state = workflowWith(3);
    const ids = Object.keys(state.tasks);
    const compact = Buffer.from(JSON.stringify(state));
    const pythonLike = Buffer.from(plain(state).trimEnd().replaceAll("é", "\\u00e9")); // no final newline
    const duplicate = Buffer.from(plain(state).replace(`"${ids[1]}": {`, `"${ids[0]}": {`));
    for (const bytes of [compact, pythonLike, duplicate]) {
      const codec = new StateFileCodec(FILE);
      write(codec, workflowWith(3)); // something indexed, so the incremental path is tried
      expect(codec.decode(bytes)).toEqual(wholeFile(bytes));
      expect(codec.counts.wholeFileParses).toBe(1);
    }
  });

  it("gives STATE_FILE_CORRUPT, with the whole-file message, for a corrupt task among known ones", () => {
    const theirs = new StateFileCodec(FILE);
    const good = write(theirs, workflowWith(10));
    const id = Object.keys(parseStateFile(FILE, good).tasks)[6] as string;
    const text = good.toString();
    const corruptions = [
      text.replace(`"${id}": {\n      "type": "work",\n      "status": "pending"`, `"${id}": {\n      "type": "work",\n      "status": "exploded"`),
      text.replace(`"${id}": {\n      "type": "work"`, `"${id}": {\n      "type": 7`),
      text.replace(`"${id}": {`, `"${id}": {{`),
      text.slice(0, text.indexOf(`"${id}": {`) + 40),
      text.replace(`"${id}": {`, `"__proto__": {`),
      text.replace('"metadata": {', '"metadata": 5, "x": {'),
    ];
    for (const corrupt of corruptions) {
      const bytes = Buffer.from(corrupt);
      let expected: unknown = null;
      try {
        parseStateFile(FILE, bytes);
      } catch (error) {
        expected = error;
      }
      const mine = new StateFileCodec(FILE);
      mine.decode(good);
      if (expected === null) {
        expect(mine.decode(bytes)).toEqual(wholeFile(bytes)); // what the whole-file parse accepts
      } else {
        expect(() => mine.decode(bytes)).toThrow(expected as Error);
        expect(expected).toMatchObject({ code: "STATE_FILE_CORRUPT" });
      }
    }
  });

  it("agrees with the whole-file parse over a long random sequence of changes from three processes", () => {
    const codecs = [new StateFileCodec(FILE), new StateFileCodec(FILE), new StateFileCodec(FILE)];
    let bytes = write(codecs[0] as StateFileCodec, workflowWith(15));
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 150; step++) {
      const k = random(3);
      const codec = codecs[k] as StateFileCodec;
      const agent = `agent-${k}`;
      const now = at(step);
      const op = random(8);
      bytes = change(codec, bytes, (state) => {
        if (op === 0) rules.createTasks(state, [{ type: "work", data: { step }, parentId: null }], now);
        else if (op === 1 || op === 2) claim(agent, now)(state);
        else if (op === 3) completeFirstHeld(agent, now)(state);
        else if (op === 4) rules.updateMetadata(state, { step }, now);
        else if (op === 6) {
          const ids = Object.keys(state.tasks);
          const task = state.tasks[ids[random(ids.length)] as string] as StoredTask & { note?: unknown };
          if (random(2) === 0) task.data = { ...task.data, step };
          else task.note = { step }; // a field no rule knows, added at the end
        } else if (op === 7) {
          const ids = Object.keys(state.tasks);
          if (ids.length > 5) delete state.tasks[ids[random(ids.length)] as string]; // a hand edit
        } else {
          const held = Object.keys(state.tasks).find((id) => state.tasks[id]?.locked_by === agent);
          if (held) rules.releaseTask(state, { taskId: held, agentId: agent, now });
        }
      });
      const reader = codecs[random(3)] as StateFileCodec;
      expect(reader.decode(bytes)).toEqual(wholeFile(bytes));
    }
    // and it was the incremental path that agreed: each process read the whole file once at most
    expect(codecs.reduce((sum, codec) => sum + codec.counts.wholeFileParses, 0)).toBeLessThanOrEqual(3);
    expect(codecs.reduce((sum, codec) => sum + codec.counts.tasksReused, 0)).toBeGreaterThan(1000);
  });
});
