/**
 * When the PostgreSQL store tries a claim on the verdicts of its last read
 * (postgres/known-verdicts.ts VerdictMemory): only for the holder they were reached for, only
 * until a reservation read would end, and after tries that found the holds changed, not for a
 * while (twice as long after each such try in a row, up to MAX_SKIPPED_TRIES), so that agents
 * claiming among others' changes pay for the heavier statement only now and then.
 */
import { describe, expect, it } from "vitest";
import { holderKey, MAX_SKIPPED_TRIES, VerdictMemory, verdictsOf } from "../../src/store/postgres/known-verdicts.js";

const bob = holderKey("bob", "b".repeat(64));
const NOW = Date.parse("2026-12-03T12:00:00.000Z");

function learnedMemory(reservationEnds = "2099-01-01T00:00:00.000Z"): VerdictMemory {
  const memory = new VerdictMemory();
  const reservation = { path: "held/**", held_by: "alice", session_sha256: null, exclusive: true, created_at: "2026-12-03T11:00:00.000Z", expires_at: reservationEnds };
  memory.learned(verdictsOf(bob, { epoch: "7", holdingMark: "" }, [reservation], new Map([["1", true], ["2", false]]), NOW), "7");
  return memory;
}

/** How many claims in a row are not tried on the verdicts. */
function skipped(memory: VerdictMemory): number {
  let count = 0;
  while (memory.forClaim(bob, NOW) === null) count += 1;
  return count;
}

describe("VerdictMemory", () => {
  it("offers the verdicts of a claim's read to the same holder's next claim, at the epoch that claim moved to", () => {
    const memory = learnedMemory();
    expect(memory.forClaim(bob, NOW)).toMatchObject({ epoch: "8", holdingMark: "", blocked: ["1"], free: ["2"] });
    expect(memory.forClaim(holderKey("bob", "c".repeat(64)), NOW)).toBeNull();
    expect(memory.forClaim(holderKey("carol", "b".repeat(64)), NOW)).toBeNull();
  });

  it("keeps nothing while a reservation names a task, and nothing past the first reservation's end", () => {
    const named = new VerdictMemory();
    const reservation = { path: "a", held_by: "alice", session_sha256: null, exclusive: true, created_at: "2026-12-03T11:00:00.000Z", expires_at: "2099-01-01T00:00:00.000Z", task_id: "t_1" };
    named.learned(verdictsOf(bob, { epoch: "1", holdingMark: "" }, [reservation], new Map(), NOW), "1");
    expect(named.forClaim(bob, NOW)).toBeNull();
    const ending = learnedMemory("2026-12-03T12:00:05.000Z");
    expect(ending.forClaim(bob, NOW + 4_999)).not.toBeNull();
    expect(ending.forClaim(bob, NOW + 5_000)).toBeNull();
  });

  it("after tries that found the holds changed, skips 1, 2, 4 … then at most MAX_SKIPPED_TRIES claims; a claim on the verdicts ends that", () => {
    const memory = learnedMemory();
    const changed = { epoch: "9", holdingMark: "12:3" };
    const seen: number[] = [];
    for (let miss = 0; miss < 7; miss += 1) {
      const verdicts = memory.forClaim(bob, NOW);
      expect(verdicts).not.toBeNull();
      memory.missed(verdicts as NonNullable<typeof verdicts>, changed);
      seen.push(skipped(memory));
    }
    expect(seen).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(MAX_SKIPPED_TRIES).toBe(16);
    const verdicts = memory.forClaim(bob, NOW);
    memory.claimedOn(verdicts as NonNullable<typeof verdicts>);
    memory.missed(memory.forClaim(bob, NOW) as NonNullable<typeof verdicts>, changed);
    expect(skipped(memory)).toBe(1);
  });

  it("does not hold back tries when the holds were unchanged (the first task was one not judged yet)", () => {
    const memory = learnedMemory();
    const verdicts = memory.forClaim(bob, NOW) as NonNullable<ReturnType<VerdictMemory["forClaim"]>>;
    memory.missed(verdicts, { epoch: verdicts.epoch, holdingMark: verdicts.holdingMark });
    expect(memory.forClaim(bob, NOW)).not.toBeNull();
  });
});
