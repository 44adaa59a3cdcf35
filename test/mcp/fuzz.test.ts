/**
 * Thousands of malformed tool calls through the real server: each must come back as
 * an error with a message, the server must stay up, and the state directory must be
 * byte-for-byte what it was. Every generated call carries at least one defect that
 * must make it a refusal, so a call that succeeds is a bug.
 */
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { Workflows } from "../../src/index.js";
import { ok, startServer, textOf, type RunningServer } from "../helpers/mcp-client.js";
import { locksLetGo, snapshotTree, tempDir } from "../helpers/temp-dir.js";

const CALLS = 3_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

/** A small seeded PRNG (mulberry32), so a failure can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_WORKFLOWS: unknown[] = ["../x", "/etc/passwd", "a/b", ".", "..", "", "a\\b", ".hidden", "x\u0000y", "é", "x".repeat(65), " ", 42, true, null, [], {}];
const WEIRD_STRINGS = ["", "\u0000", "a\u0000b", "../../etc/passwd", "💥".repeat(50), "\u202e\u0007", "x".repeat(5_000), "null", "undefined", "__proto__", "constructor"];
const NOT_TASK_TYPES = ["", "\u0000", "a\u0000b", "../../etc/passwd", "💥", "\u202e\u0007", "x".repeat(65), "a/b", "a b", "é"];
const WRONG_TYPES: unknown[] = [42, -1, 1.5, true, null, [], [1, "a"], {}, { nested: { deeper: [] } }];

function deep(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { next: value };
  return value;
}

type Generator = (pick: <T>(items: readonly T[]) => T, random: () => number, existing: string) => { tool: string; args: Record<string, unknown> };

/** Each generator makes a call that is wrong in at least one way that must be refused. */
const generators: Generator[] = [
  // Any tool, in a workflow whose name must be refused.
  (pick) => ({
    tool: pick(["create_task", "get_next_task", "complete_task", "release_task", "get_task", "get_task_children", "list_tasks", "summary", "update_workflow_metadata"]),
    args: { workflow: pick(BAD_WORKFLOWS), task_type: "ok", task_id: "ok_00000000", metadata: { a: 1 } },
  }),
  // create_task with a type that cannot be a task type, of the wrong JSON type, or missing.
  (pick, random) => ({ tool: "create_task", args: random() < 0.2 ? { data: { a: 1 } } : { task_type: pick([...NOT_TASK_TYPES, ...WRONG_TYPES]) } }),
  // create_task with data that is not an object, or over the size limit.
  (pick, random) => ({
    tool: "create_task",
    args: { task_type: "fuzz", data: random() < 0.02 ? { blob: "x".repeat(1_100_000) } : pick([42, "text", [1, 2], true]) },
  }),
  // create_task under a parent that does not exist.
  (pick) => ({ tool: "create_task", args: { task_type: "fuzz", parent_id: pick(WEIRD_STRINGS) } }),
  // Task ids that do not exist, or are not strings, for every tool that takes one.
  (pick) => ({
    tool: pick(["complete_task", "release_task", "get_task", "get_task_children"]),
    args: { task_id: pick([...WEIRD_STRINGS, ...WRONG_TYPES, "fuzz_ffffffff"]) },
  }),
  // Finishing a task nobody claimed, or with a status that does not finish anything.
  (pick, _random, existing) => ({
    tool: "complete_task",
    args: { task_id: existing, status: pick(["pending", "in_progress", "done", "", 7, null, "COMPLETED"]), result_data: deep(50) },
  }),
  (_pick, _random, existing) => ({ tool: "complete_task", args: { task_id: existing, result_data: { nested: deep(200) } } }),
  (_pick, _random, existing) => ({ tool: "release_task", args: { task_id: existing } }),
  // get_next_task with type filters that cannot be task types.
  (pick) => ({ tool: "get_next_task", args: { task_types: pick([[""], ["../x"], "analyze", 7, [7], [null], ["a\u0000"], {}]) } }),
  // list_tasks with a bad status, type, limit or cursor.
  (pick) => ({
    tool: "list_tasks",
    args: pick([{ status: "exploded" }, { status: 3 }, { limit: 0 }, { limit: -5 }, { limit: 1e9 }, { limit: 2.5 }, { limit: "10" }, { cursor: "not-a-cursor" }, { cursor: 12 }, { task_type: "a/b" }]),
  }),
  // update_workflow_metadata with something that is not an object, or too big.
  (pick) => ({ tool: "update_workflow_metadata", args: { metadata: pick([null, 1, "x", [1], { blob: "y".repeat(1_100_000) }]) } }),
  // Tools that do not exist.
  (pick) => ({ tool: pick(["drop_table", "create-task", "CREATE_TASK", "", "../create_task", "\u0000"]), args: {} }),
];

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function callExpectingRefusal(running: RunningServer, tool: string, args: Record<string, unknown>): Promise<string> {
  let result: CallToolResult;
  try {
    result = (await running.client.callTool({ name: tool, arguments: args })) as CallToolResult;
  } catch (error) {
    // A protocol-level error (e.g. an unknown tool) is also a refusal, as long as it says something.
    return (error as Error).message;
  }
  expect(result.isError, `${tool} ${JSON.stringify(args).slice(0, 300)} was accepted: ${textOf(result).slice(0, 300)}`).toBe(true);
  return textOf(result);
}

describe("fuzzing the MCP server with malformed calls", () => {
  it(`refuses ${CALLS} malformed calls with a message, stays up, and changes nothing on disk`, async () => {
    const stateDir = join(await tempDir(), "state");
    const workflows = new Workflows({ stateDir });
    const tm = workflows.get("default");
    const [existing] = await tm.createTasks([{ type: "seed", data: { keep: "me" } }, { type: "other" }]);
    await workflows.get("second").createTask({ type: "x" });
    await workflows.close();
    const before = await snapshotTree(stateDir);

    server = await startServer({ stateDir, clientName: "fuzzer" });
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const seen = new Map<string, number>();
    for (let i = 0; i < CALLS; i++) {
      const generator = generators[i % generators.length] as Generator;
      const { tool, args } = generator(pick, random, existing?.id ?? "");
      const message = await callExpectingRefusal(server, tool, args);
      expect(message.trim().length, `${tool} refused without a message`).toBeGreaterThan(0);
      seen.set(tool, (seen.get(tool) ?? 0) + 1);
    }

    // Still serving, and every tool was exercised.
    expect(ok<{ total_tasks: number }>(await server.call("summary")).total_tasks).toBe(2);
    expect([...seen.keys()]).toEqual(expect.arrayContaining(["create_task", "get_next_task", "complete_task", "release_task", "get_task", "list_tasks", "update_workflow_metadata"]));
    await locksLetGo(stateDir); // refusals made under the lock leave its directory kept a second
    expect(await snapshotTree(stateDir)).toEqual(before);
  }, 240_000);
});
