/**
 * What the last claim among paths of this process read, kept for the next claim of the same
 * holder: the holds as of that read (the paths epoch and the holding mark, statements.ts
 * pathsClaim), and which ready tasks they kept back from the holder and which they left free.
 *
 * Holds are added only by changes that bump the epoch, and the tasks in progress with paths
 * are the holding mark; a reservation's end is the one change of the holds neither shows, so
 * the verdicts are kept only until the first reservation would end by itself, and not at all
 * while a reservation names a task (whose finish would end it). While the database still
 * shows the epoch and the mark, the holds are the ones read and so are the verdicts: the next
 * claim is then one statement, which checks that and takes the first ready task not kept back
 * if it is known to be free (or declares no paths). When it is not, the same statement reads
 * afresh, so a claim never costs more statements than without this.
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

/** The verdicts, if they are the holder's and no reservation has ended by `now`. */
export function usableVerdicts(verdicts: Verdicts | null, holder: string, now: number): Verdicts | null {
  return verdicts !== null && verdicts.holder === holder && now < verdicts.until ? verdicts : null;
}

/** The verdicts after the holder's claim on them bumped the epoch: still the holds, for its next claim. */
export function afterClaim(verdicts: Verdicts, epochRead: string): Verdicts {
  return { ...verdicts, epoch: (BigInt(epochRead) + 1n).toString() };
}
