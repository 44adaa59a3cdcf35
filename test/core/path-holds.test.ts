/**
 * Which holds block a claim or a reservation: another session's exclusive hold always,
 * a shared one only an exclusive reservation, an expired one never, the caller's own never.
 */
import { describe, expect, it } from "vitest";
import { conflictsWith, type Holder, type PathHold } from "../../src/core/path-holds.js";

const now = new Date("2026-01-01T00:00:00.000Z");
const windowA: Holder = { agentId: "claude-code", sessionDigest: "a" };
const windowB: Holder = { agentId: "claude-code", sessionDigest: "b" };
const cursor: Holder = { agentId: "cursor", sessionDigest: "c" };

function hold(path: string, holder: Holder, exclusive = true, expiresAt: string | null = "2026-01-01T01:00:00.000Z", taskId: string | null = null): PathHold {
  return { path, holder, exclusive, expiresAt, taskId };
}

describe("conflictsWith", () => {
  it("names another holder's exclusive hold that overlaps, with its holder, expiry and task", () => {
    const holds = [hold("src/auth/**", cursor, true, null, "edit_1"), hold("docs/**", cursor)];
    expect(conflictsWith(["src/auth/tokens.ts", "README.md"], windowA, "claim", holds, now)).toEqual([
      { path: "src/auth/tokens.ts", held_path: "src/auth/**", held_by: "cursor", expires_at: null, task_id: "edit_1" },
    ]);
  });

  it("treats two windows of one client as two holders, and a session as one", () => {
    const holds = [hold("src/a.ts", windowB)];
    expect(conflictsWith(["src/a.ts"], windowA, "exclusive", holds, now)).toHaveLength(1);
    expect(conflictsWith(["src/a.ts"], windowB, "exclusive", holds, now)).toHaveLength(0);
  });

  it("never matches a hold without a session, even to the same name", () => {
    const holds = [hold("src/a.ts", { agentId: "claude-code", sessionDigest: null })];
    expect(conflictsWith(["src/a.ts"], { agentId: "claude-code", sessionDigest: null }, "claim", holds, now)).toHaveLength(1);
  });

  it("lets shared holds block only an exclusive reservation", () => {
    const holds = [hold("src/**", cursor, false)];
    expect(conflictsWith(["src/a.ts"], windowA, "claim", holds, now)).toHaveLength(0);
    expect(conflictsWith(["src/a.ts"], windowA, "shared", holds, now)).toHaveLength(0);
    expect(conflictsWith(["src/a.ts"], windowA, "exclusive", holds, now)).toHaveLength(1);
  });

  it("ignores a hold whose time has come", () => {
    const holds = [hold("src/a.ts", cursor, true, "2026-01-01T00:00:00.000Z")];
    expect(conflictsWith(["src/a.ts"], windowA, "claim", holds, now)).toHaveLength(0);
    expect(conflictsWith(["src/a.ts"], windowA, "claim", holds, new Date("2025-12-31T23:59:59.999Z"))).toHaveLength(1);
  });
});
