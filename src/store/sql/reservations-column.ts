/**
 * A workflow's explicit reservations (core/path-reservations.ts) are kept in its row's
 * `extra`, under `reservations`, as a state file keeps them at its top level: an export
 * carries them in its header and an import brings them back, with no column of their own.
 */
import { StateFileCorruptError } from "../../core/errors.js";
import { storedReservationSchema, type StoredReservation } from "../../core/schema.js";

const reservationsSchema = storedReservationSchema.array();

/** The last `extra` read and its reservations: a claim reads them every time, and they seldom change. */
let last: { extra: string; reservations: readonly StoredReservation[] } | null = null;

/** The reservations `extra` holds, ended ones included (the rules skip those). */
export function reservationsIn(extra: string | null, location: string): StoredReservation[] {
  if (extra === null) return [];
  if (last?.extra === extra) return [...last.reservations];
  const reservations = parseReservations(extra, location);
  last = { extra, reservations };
  return [...reservations];
}

function parseReservations(extra: string, location: string): StoredReservation[] {
  let fields: unknown;
  try {
    fields = JSON.parse(extra);
  } catch {
    throw new StateFileCorruptError(location, "the workflow's other fields are not valid JSON");
  }
  const kept = (fields as { reservations?: unknown } | null)?.reservations;
  if (kept === undefined) return [];
  const parsed = reservationsSchema.safeParse(kept);
  if (!parsed.success) throw new StateFileCorruptError(location, `its reservations are not readable: ${parsed.error.message}`);
  return parsed.data;
}

/** `extra` with its reservations replaced; the key is dropped when there are none, and the column emptied when nothing is left. */
export function extraWith(extra: string | null, reservations: readonly StoredReservation[] | undefined): string | null {
  const fields = extra === null ? {} : (JSON.parse(extra) as Record<string, unknown>);
  if (reservations !== undefined && reservations.length > 0) fields.reservations = reservations;
  else delete fields.reservations;
  return Object.keys(fields).length > 0 ? JSON.stringify(fields) : null;
}
