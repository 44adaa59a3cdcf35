/**
 * Tool arguments with a range, checked under the names agents give them: the core would
 * name leaseSeconds, and never sees wait_seconds (it takes waitMs). A value out of range
 * is refused with INVALID_INPUT, never clamped into it: an agent asking for a 10-minute
 * wait or a zero lease has a mistake to hear about.
 */
import { z } from "zod";
import { MAX_RESERVATION_TTL_SECONDS, MIN_RESERVATION_TTL_SECONDS, parseInput } from "../core/inputs.js";
import { leaseSecondsSchema } from "../core/workflow-defaults.js";

/** Below the request timeouts of common clients (60 s in the SDK's). */
export const MAX_WAIT_SECONDS = 50;

const WAIT_RANGE = `must be from 0 to ${MAX_WAIT_SECONDS} seconds; to wait longer, call again`;
const waitSecondsSchema = z.number({ error: WAIT_RANGE }).min(0, WAIT_RANGE).max(MAX_WAIT_SECONDS, WAIT_RANGE);

/** get_next_task's wait_seconds; 0 when not given. */
export function waitSecondsArg(value: number | undefined): number {
  return value === undefined ? 0 : parseInput(waitSecondsSchema, value, "wait_seconds");
}

/** A lease_seconds argument, if given. */
export function leaseSecondsArg(value: number | undefined): number | undefined {
  return value === undefined ? undefined : parseInput(leaseSecondsSchema, value, "lease_seconds");
}

const TTL_RANGE = `must be at least ${MIN_RESERVATION_TTL_SECONDS} and at most ${MAX_RESERVATION_TTL_SECONDS} seconds; reserve again to renew`;
const ttlSecondsSchema = z.number({ error: TTL_RANGE }).min(MIN_RESERVATION_TTL_SECONDS, TTL_RANGE).max(MAX_RESERVATION_TTL_SECONDS, TTL_RANGE);

/** reserve_paths's ttl_seconds, if given. */
export function ttlSecondsArg(value: number | undefined): number | undefined {
  return value === undefined ? undefined : parseInput(ttlSecondsSchema, value, "ttl_seconds");
}
