/**
 * What went wrong with PostgreSQL, in words a person can act on. The operating system's and
 * the driver's own text ("connect ECONNREFUSED 127.0.0.1:5432", "Connection terminated
 * unexpectedly", a server message quoting SQL) never reaches a message: the store's errors
 * say what happened and what to check, and keep the original error as their cause.
 *
 * Duck-typed, not instanceof pg.DatabaseError: pg is loaded only when a store connects
 * (../load-driver.ts), and an error of the server is any error carrying a SQLSTATE and a severity.
 */

/** Why a call failed: what happened, and what a person may check or do about it. */
export interface Reason {
  what: string;
  hint?: string;
}

/** An error whose message is already a reason a person can act on (the schema is newer than this version, say). */
export class PlainReason extends Error {}

/** SQLSTATEs of a transaction rolled back because others held or changed what it needed: trying again may succeed. */
const CONTENTION_SQLSTATES = new Set(["40001", "40P01", "55P03"]);
/** Node error codes and SQLSTATEs that mean "try again on a fresh connection". */
const RETRYABLE_SQLSTATES = new Set(["40001", "40P01", "57P01", "57P02", "57P03", "53300"]);
const CONNECTION_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const HOST_NOT_FOUND = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"]);
const ENDED = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

/** The first of an AggregateError's errors (net gives one when every address of a host failed), else the error. */
function first(error: unknown): unknown {
  return error instanceof AggregateError && error.errors.length > 0 ? first(error.errors[0]) : error;
}

/** The SQLSTATE of an error the server sent, else undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = codeOf(error);
  const severity = (error as { severity?: unknown } | null)?.severity;
  return code !== undefined && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The connection broke or could not be made: what was sent on it may or may not have been received. */
export function isConnectionError(error: unknown): boolean {
  const cause = first(error);
  const code = codeOf(cause);
  if (code !== undefined && (CONNECTION_ERRNOS.has(code) || code.startsWith("08") || code.startsWith("57P"))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(messageOf(cause));
}

/** Worth running again on a fresh connection, unless a write of it may have committed. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  return isConnectionError(error) || (code !== undefined && RETRYABLE_SQLSTATES.has(code));
}

/** Rolled back because other transactions held or changed what it needed (a deadlock, a serialisation failure, lock_timeout). */
export function isContention(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && CONTENTION_SQLSTATES.has(state);
}

/** An error that came from PostgreSQL or its driver (the server's answer, the connection, the network), not from the store's own logic. */
export function isDatabaseFailure(error: unknown): boolean {
  const cause = first(error);
  if (sqlStateOf(cause) !== undefined || isConnectionError(cause)) return true;
  if (typeof (cause as { syscall?: unknown } | null)?.syscall === "string") return true;
  return describeDriverMessage(messageOf(cause)) !== undefined || /CERT|SSL|TLS/.test(codeOf(cause) ?? "");
}

/** The reason for an error of the server, by its SQLSTATE. */
function serverReason(state: string): Reason {
  switch (state) {
    case "28P01":
    case "28000":
      return { what: "authentication failed", hint: "check the user and password in the URL, and that the server's pg_hba.conf lets this user connect from here" };
    case "3D000":
      return { what: "database does not exist", hint: "create it, or correct the database name in the URL" };
    case "53300":
      return { what: "the server has no connection slots left", hint: "try again later, or raise its max_connections" };
    case "57P01":
    case "57P02":
      return { what: "the server ended the connection", hint: "is it restarting?" };
    case "57P03":
      return { what: "the server is starting up or shutting down", hint: "try again shortly" };
    case "57014":
      return { what: "a statement was cancelled", hint: "by statement_timeout, or by an administrator" };
    case "42501":
      return { what: "permission denied", hint: "the user needs the right to create the schema and to read and write its tables" };
    case "25006":
      return { what: "the server accepts no writes", hint: "is it a standby? Point the URL at the primary" };
    case "53100":
      return { what: "the server's disk is full" };
    case "53200":
      return { what: "the server is out of memory" };
    case "40P01":
      return { what: "a deadlock" };
    case "40001":
      return { what: "a serialisation failure" };
    case "55P03":
      return { what: "a lock held past lock_timeout" };
  }
  if (state.startsWith("08")) return { what: "the connection failed", hint: "is the server restarting?" };
  if (state.startsWith("53")) return { what: "the server is out of resources" };
  if (state.startsWith("3F") || state === "42P01" || state === "42703" || state === "42883") {
    return { what: "the schema's tables are missing or not as this version made them", hint: "was the schema dropped or changed by hand?" };
  }
  if (state.startsWith("XX") || state.startsWith("58")) return { what: "the server reported an internal error", hint: "see its log" };
  return { what: `the server reported an error (SQLSTATE ${state})`, hint: "see its log" };
}

/** The reason for one of the driver's own errors, by its message; undefined when it is none of them. */
function describeDriverMessage(message: string): Reason | undefined {
  if (/connection timeout|timeout exceeded when trying to connect|timeout expired/i.test(message)) {
    return { what: "timed out", hint: "is the host reachable, and is that port PostgreSQL's?" };
  }
  if (/Connection terminated|encountered a connection error|not queryable/i.test(message)) {
    return { what: "the server ended the connection", hint: "is it restarting, or is that port not PostgreSQL's?" };
  }
  if (/does not support SSL/i.test(message)) return { what: "the server does not accept SSL", hint: "remove sslmode (or ssl) from the URL, or enable SSL on the server" };
  if (/SSL|TLS|certificate/i.test(message)) return { what: "the SSL connection failed", hint: "check sslmode and sslrootcert in the URL" };
  if (/^SASL|password/i.test(message)) return { what: "authentication failed", hint: "the server asks for a password: check the one in the URL" };
  if (/after calling end on the pool/i.test(message)) return { what: "this store was closed", hint: "open a new one" };
  if (/^Received unexpected/i.test(message)) return { what: "the server answered something the driver did not expect", hint: "is that port PostgreSQL's?" };
  return undefined;
}

/** Why `error` happened, in words. */
export function reasonOf(error: unknown): Reason {
  const cause = first(error);
  if (cause instanceof PlainReason) return { what: cause.message };
  const state = sqlStateOf(cause);
  if (state !== undefined) return serverReason(state);
  const code = codeOf(cause);
  if (code === "ECONNREFUSED") return { what: "connection refused", hint: "is the server running and listening there?" };
  if (code !== undefined && HOST_NOT_FOUND.has(code)) return { what: "host not found", hint: "check the host name in the URL" };
  if (code !== undefined && UNREACHABLE.has(code)) return { what: "host unreachable", hint: "check the network between this machine and the server" };
  if (code === "ETIMEDOUT") return { what: "timed out", hint: "is the host reachable, and is that port PostgreSQL's?" };
  if (code !== undefined && ENDED.has(code)) return { what: "the server ended the connection", hint: "is it restarting?" };
  if (code !== undefined && /CERT|SSL|TLS/.test(code)) return { what: "the server's SSL certificate was not accepted", hint: "check sslmode and sslrootcert in the URL" };
  return describeDriverMessage(messageOf(cause)) ?? { what: "an unexpected error", hint: "its details are in this error's cause" };
}

/** "what — hint", or "what". */
export function inWords(reason: Reason): string {
  return reason.hint === undefined ? reason.what : `${reason.what} — ${reason.hint}`;
}
