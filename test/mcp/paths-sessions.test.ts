/**
 * Paths over MCP, through the built server and the real client over stdio, on
 * every store: racing reservations from several processes, two windows under one name, and
 * a request that names no path.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { ok, refusal, startServer, type RunningServer } from "../helpers/mcp-client.js";
import { SERVER_STORES } from "../helpers/server-stores.js";
import { has, requirement } from "../helpers/requirements.js";
import { snapshotTree, tempDir } from "../helpers/temp-dir.js";

interface Reserved {
  granted: boolean;
  reservations: Array<{ path: string; held_by: string }>;
  conflicts: Array<{ path: string; held_by: string }>;
}

const WF = "repo";
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function servers(storeArgs: () => string[], names: string[]): Promise<{ stateDir: string; agents: RunningServer[] }> {
  const stateDir = await tempDir();
  const args = storeArgs();
  const agents = await Promise.all(names.map((clientName) => startServer({ stateDir, clientName, args })));
  running.push(...agents);
  return { stateDir, agents };
}

const call = (server: RunningServer, tool: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => server.call(tool, { workflow: WF, ...args });

describe.each(SERVER_STORES)("reservations over MCP, %s store", (store, storeArgs) => {
  const needs = store === "postgres" ? it.skipIf(!requirement(has("postgres"), "PostgreSQL on 127.0.0.1:5432")) : it;

  needs("five processes racing for overlapping paths: one is granted, the others are told who holds them", async () => {
    const { agents } = await servers(storeArgs, ["a0", "a1", "a2", "a3", "a4"]);
    // Overlapping in different ways: a directory, a glob under it, a file, a glob reaching under the directory.
    const asks = [["src"], ["src/**"], ["src/auth/login.ts"], ["src/*/login.ts"], ["lib/x.ts", "**/login.ts"]];
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all(agents.map(async (agent, at) => ok<Reserved>(await call(agent, "reserve_paths", { paths: asks[(at + round) % asks.length] }))));
      const granted = results.filter((result) => result.granted);
      expect(granted, JSON.stringify(results)).toHaveLength(1);
      for (const refused of results.filter((result) => !result.granted)) {
        expect(refused.reservations).toEqual([]);
        expect(refused.conflicts.length).toBeGreaterThan(0);
      }
      await Promise.all(agents.map(async (agent) => ok(await call(agent, "release_paths"))));
    }
  });

  needs("a reservation racing a claim of an overlapping task: never both", async () => {
    const { agents } = await servers(storeArgs, ["claimer", "reserver"]);
    const [claimer, reserver] = agents as [RunningServer, RunningServer];
    for (let round = 0; round < 4; round += 1) {
      const task = ok<{ task: { id: string } }>(await call(claimer, "create_task", { task_type: `t${round}`, paths: [`pkg${round}/*/index.ts`] })).task;
      const [claimed, reserved] = await Promise.all([
        call(claimer, "get_next_task", { task_types: [`t${round}`] }).then((result) => ok<{ task: { id: string } | null }>(result).task),
        call(reserver, "reserve_paths", { paths: [`pkg${round}/core`] }).then((result) => ok<Reserved>(result)),
      ]);
      expect(claimed !== null && reserved.granted, JSON.stringify({ claimed, reserved })).toBe(false);
      if (claimed !== null) ok(await call(claimer, "complete_task", { task_id: task.id }));
      ok(await call(reserver, "release_paths"));
    }
  });

  needs("another window under my name releases none of my paths, by name or all at once", async () => {
    const { agents } = await servers(storeArgs, ["cursor", "cursor"]);
    const [mine, other] = agents as [RunningServer, RunningServer];
    expect(ok<Reserved>(await call(mine, "reserve_paths", { paths: ["src/a.ts", "docs/**"] })).granted).toBe(true);
    expect(ok<{ released: string[] }>(await call(other, "release_paths", { paths: ["src/a.ts", "docs/**"] })).released).toEqual([]);
    expect(ok<{ released: string[] }>(await call(other, "release_paths")).released).toEqual([]);
    const refused = ok<Reserved>(await call(other, "reserve_paths", { paths: ["docs/guide.md"] }));
    expect(refused).toMatchObject({ granted: false, conflicts: [{ path: "docs/guide.md", held_by: "cursor" }] });
    expect(ok<{ released: string[] }>(await call(mine, "release_paths")).released.sort()).toEqual(["docs/**", "src/a.ts"]);
  });

  needs("a reservation of no path is refused, and nothing is written", async () => {
    const { stateDir, agents } = await servers(storeArgs, ["alice"]);
    const [alice] = agents as [RunningServer];
    ok(await call(alice, "create_task", { task_type: "seed" }));
    const before = store === "json" ? await snapshotTree(stateDir) : null;
    expect(refusal(await call(alice, "reserve_paths", { paths: [] }), "INVALID_INPUT")).toContain("paths");
    if (before !== null) expect(await snapshotTree(stateDir)).toEqual(before);
  });
});
