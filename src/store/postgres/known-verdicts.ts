/**
 * What the last claim among paths of this process read, kept for the next claim of the same
 * holder: the holds as of that read (the paths epoch and the holding mark, statements.ts
 * pathsReadSql), and which ready tasks they kept back from the holder and which they left free.
 *
 * Holds are added only by changes that bump the epoch, and the tasks in progress with paths
 * are the holding mark; a reservation's end is the one change of the holds neither shows, so
 * the verdicts are kept only until the first reservation would end by itself, and not at all
 * while a reservation names a task (whose finish would end it). While the database still
 * shows the epoch and the mark, the holds are the ones read and so are the verdicts: the next
 * claim is then one statement (pathsClaimOnKnown), which checks that and takes the first ready
 * task not kept back if it is known to be free (or declares no paths). When it is not, the same
 * statement reads afresh, so a claim never costs more statements than without this.
 */
import type { StoredReservation } from "../../core/schema.js";
import type { KnownHolds } from "./statements.js";

export interface Verdicts extends KnownHolds {
  /** Whose claims the verdicts are for: other holders' holds keep tasks back, the holder's own do not. */
  holder: string;
  /** When the first reservation read ends by itself (ms; Infinity when none does). */
  until: number;
}

/** The key of a holder: its agent and its session's digest. */
export function holderKey(agentId: string, sessionDigest: string | null): string {
  return JSON.stringify([agentId, sessionDigest]);
}

/** The verdicts reached on a read, or null when they cannot be kept: a reservation names a task. */
export function verdictsOf(
  holder: string,
  read: { epoch: string; holdingMark: string },
  reservations: readonly StoredReservation[],
  judged: ReadonlyMap<string, boolean>,
  now: number,
): Verdicts | null {
  let until = Number.POSITIVE_INFINITY;
  for (const reservation of reservations) {
    if (reservation.task_id !== undefined) return null;
    const end = Date.parse(reservation.expires_at);
    // One that has ended holds nothing, and never will again.
    if (end > now) until = Math.min(until, end);
  }
  const blocked: string[] = [];
  const free: string[] = [];
  for (const [seq, isBlocked] of judged) (isBlocked ? blocked : free).push(seq);
  return { holder, epoch: read.epoch, holdingMark: read.holdingMark, blocked, free, until };
}

/** Claims after a failed try that go straight to a read, at most: see VerdictMemory.missed. */
export const MAX_SKIPPED_TRIES = 16;

/**
 * The verdicts of the last claim's read, and when to try them. A try whose holds had changed
 * (another agent claimed or finished meanwhile) costs a heavier statement than a plain read,
 * so after one the next claims read without trying, twice as many after each such try in a
 * row, up to MAX_SKIPPED_TRIES; a claim made on the verdicts ends that.
 */
export class VerdictMemory {
  private verdicts: Verdicts | null = null;
  private skips = 0;
  private skipAfterMiss = 0;

  /** The verdicts to claim on now: the holder's, no reservation ended by `now`, and not while skipping. */
  forClaim(holder: string, now: number): Verdicts | null {
    const verdicts = this.verdicts;
    if (verdicts === null || verdicts.holder !== holder || !(now < verdicts.until)) return null;
    if (this.skips > 0) {
      this.skips -= 1;
      return null;
    }
    return verdicts;
  }

  /** A claim was made on `verdicts`, bumping the epoch: still the holds, for the holder's next claim. */
  claimedOn(verdicts: Verdicts): void {
    this.verdicts = afterClaim(verdicts, verdicts.epoch);
    this.skipAfterMiss = 0;
  }

  /** A try on `verdicts` claimed nothing; `read` is what the same statement read instead. */
  missed(verdicts: Verdicts, read: { epoch: string; holdingMark: string }): void {
    // Holds unchanged: the first task was one not judged yet, which the read now judges.
    if (read.epoch === verdicts.epoch && read.holdingMark === verdicts.holdingMark) return;
    this.skipAfterMiss = Math.min(MAX_SKIPPED_TRIES, Math.max(1, this.skipAfterMiss * 2));
    this.skips = this.skipAfterMiss;
  }

  /** A claim was made on a read at `epochRead` that reached `verdicts` (null: none to keep). */
  learned(verdicts: Verdicts | null, epochRead: string): void {
    this.verdicts = verdicts === null ? null : afterClaim(verdicts, epochRead);
  }
}

/** The verdicts after the holder's claim on them bumped the epoch: still the holds, for its next claim. */
function afterClaim(verdicts: Verdicts, epochRead: string): Verdicts {
  return { ...verdicts, epoch: (BigInt(epochRead) + 1n).toString() };
}
