// ATTACK: state files that are almost in the layout the store writes (layout.ts).
//
// Whatever the store reads must be what a whole-file JSON.parse gives (the Python seed and
// any other reader see that): same ids, same order, same values, same header. A file the
// store refuses must never be rewritten.
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { pendingTask } from "../../../helpers/stored-task.js";
import { tempDir } from "../../../helpers/temp-dir.js";

const stored = (extra: Record<string, unknown> = {}) => ({ ...pendingTask({ attempts: 0 }), ...extra });
const META = { initialized_at: "2024-01-01T00:00:00.000Z", last_updated: "2024-01-01T00:00:00.000Z" };
/** A task as the layout lays it out under "tasks": `    "<id>": {…}`. */
const taskText = (id: string, task: object = stored()) => `    ${JSON.stringify(id)}: ${JSON.stringify(task, null, 2).replaceAll("\n", "\n    ")}`;
const inLayout = (tasks: string[], after = "") =>
  `{\n  "workflow_type": "generic",\n  "metadata": ${JSON.stringify(META, null, 2).replaceAll("\n", "\n  ")},\n  "tasks": {\n${tasks.join(",\n")}\n  }${after}\n}\n`;

const byId = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

async function storeView(tm: TaskManager) {
  const ids = (await tm.listTasks({ limit: 500 })).tasks.map((task) => task.id);
  const exported = await tm.exportWorkflow();
  const tasks: [string, unknown][] = [];
  if (exported) for await (const entry of exported.tasks) tasks.push(entry);
  return { ids, tasks: tasks.sort(byId), metadata: exported?.header.metadata };
}

function jsonView(text: string) {
  const json = JSON.parse(text) as { tasks: Record<string, unknown>; metadata: unknown };
  return { ids: Object.keys(json.tasks), tasks: Object.entries(json.tasks).sort(byId), metadata: json.metadata };
}

/** Puts `text` in place as a new file (a rename, as every writer does), so no cache can mistake it for the last. */
async function replace(stateFile: string, text: string): Promise<void> {
  await writeFile(`${stateFile}.new`, text);
  await rename(`${stateFile}.new`, stateFile);
}

describe("ATTACK: files almost in the store's layout", () => {
  it("reads a file with a second, empty \"tasks\" field as JSON.parse does (the last one counts), and does not rewrite it otherwise", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const text = inLayout([taskText("a"), taskText("b")], ',\n  "tasks": {}');
    await writeFile(stateFile, text);
    const tm = new TaskManager({ stateFile });
    expect(await storeView(tm)).toEqual(jsonView(text)); // JSON.parse: no tasks at all
    // The store claims a task that, for JSON.parse and the Python seed, does not exist…
    expect(await tm.getNextTask({ agentId: "w" })).toBeNull();
  });

  it("reads a file whose metadata holds a \"tasks\" object laid out two spaces in as JSON.parse does", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const ghost = `    "ghost": ${JSON.stringify(stored(), null, 2).replaceAll("\n", "\n    ")}`;
    const text = `{\n  "workflow_type": "generic",\n  "metadata": {\n  "initialized_at": "x",\n  "last_updated": "y",\n  "tasks": {\n${ghost}\n  }\n  },\n  "tasks": {}\n}\n`;
    await writeFile(stateFile, text);
    const tm = new TaskManager({ stateFile });
    expect(await storeView(tm)).toEqual(jsonView(text)); // JSON.parse: no tasks; metadata.tasks holds "ghost"
    // …and on its first write the store moves "ghost" out of the metadata into the tasks.
    await tm.createTask({ type: "new" });
    const after = JSON.parse(await readFile(stateFile, "utf8")) as { metadata: Record<string, unknown>; tasks: Record<string, unknown> };
    expect(after.metadata.tasks).toEqual(JSON.parse(text).metadata.tasks);
  });

  it("gives tasks with integer-like ids one order, whether or not the file is in the layout", async () => {
    const dir = await tempDir();
    // Written in this order: "b" first, so the oldest; JSON.parse puts "2" and "10" first.
    const text = inLayout([taskText("b"), taskText("10"), taskText("2")]);
    const inTheLayout = join(dir, "layout.json");
    const notInTheLayout = join(dir, "crlf.json"); // the same JSON with CRLF line ends: parsed whole
    await writeFile(inTheLayout, text);
    await writeFile(notInTheLayout, text.replaceAll("\n", "\r\n"));
    const claimedFromLayout = await new TaskManager({ stateFile: inTheLayout }).getNextTask({ agentId: "w" });
    const claimedWhole = await new TaskManager({ stateFile: notInTheLayout }).getNextTask({ agentId: "w" });
    expect(claimedFromLayout?.id).toBe(claimedWhole?.id);
  });

  it("refuses a file whose task id holds a raw control character (not JSON), and never rewrites it", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    for (const id of ["a\tb", "a\u0001b", "a\nb"]) {
      const text = inLayout([`    "${id}": ${JSON.stringify(stored(), null, 2).replaceAll("\n", "\n    ")}`, taskText("b")]);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      await writeFile(stateFile, text);
      const tm = new TaskManager({ stateFile });
      await expect(tm.getStatusSummary()).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      await expect(tm.getNextTask({ agentId: "w" })).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      expect(await readFile(stateFile, "utf8")).toBe(text);
    }
  });

  it("holds: odd ids, odd data, and another process's edits read as JSON.parse reads them", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const ids = ['q"uote', "back\\slash", "üñï€😀", '": {', "\u2028", "__proto__", "constructor", "a\\u0062"];
    const odd = stored({ data: JSON.parse('{"s": "\\": {\\\\n    }", "nested": {"    }": [1, {"deep": "\\n    }"}]}, "__proto__": {"x": 1}}') });
    const texts = [
      inLayout(ids.map((id) => taskText(id))),
      inLayout(ids.map((id) => taskText(id, odd))),
      // a task whose inner lines are indented exactly four spaces (split in the wrong place)
      inLayout([taskText("a"), taskText("b")]).replace('"data": {}', '"data": {\n    "k": 1\n    }'),
      // another process changed one task, reordered two, added one
      inLayout([taskText("b"), taskText("a", stored({ status: "completed" })), taskText("c")]),
      // the same id twice, once escaped: JSON.parse keeps the last
      inLayout([taskText("a"), taskText("b")]).replace('"b": {', '"\\u0061": {').replace('"type": "t"\n', '"type": "t2"\n'),
      inLayout([taskText("a", stored({ type: "first" })), taskText("a", stored({ type: "second" }))]),
      // an escape in the key that makes it equal to one read before
      inLayout([taskText("x"), `    "\\u0078y": ${JSON.stringify(stored(), null, 2).replaceAll("\n", "\n    ")}`]),
    ];
    const tm = new TaskManager({ stateFile });
    for (const text of texts) {
      await replace(stateFile, text);
      expect(await storeView(tm)).toEqual(jsonView(text));
    }
  });

  it("holds: files that are not valid JSON are refused and never rewritten", async () => {
    const stateFile = join(await tempDir(), "wf.json");
    const good = inLayout([taskText("a"), taskText("b")]);
    const bad = [`\uFEFF${good}`, `${good}x`, `${good}{}`, good.replace(",\n    \"b\"", ",,\n    \"b\""), good.replace("\n  }\n}", "\n  },\n}"), good.slice(0, -10)];
    for (const text of bad) {
      await writeFile(stateFile, text);
      const tm = new TaskManager({ stateFile });
      await expect(tm.createTask({ type: "x" })).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      await expect(tm.getNextTask({ agentId: "w" })).rejects.toMatchObject({ code: "STATE_FILE_CORRUPT" });
      expect(await readFile(stateFile, "utf8")).toBe(text);
    }
  });
});
