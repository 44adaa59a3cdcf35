/**
 * A PostgreSQL database holding workflows, shared by every PostgresStore a process opens
 * on the same URL and schema: one connection pool, one LISTEN connection, one reading of
 * the database clock.
 *
 * - Start-up: the first operation (or `ready()`) connects, creates the schema and runs the
 *   migrations not yet applied, under a transaction-level advisory lock so that servers
 *   starting together apply each once; if its connection is lost meanwhile, the migration
 *   runs again on a fresh one. Failing that, STORE_UNAVAILABLE names the URL without its
 *   password and says why in words (failures.ts), the driver's error its cause.
 * - Dropped connections: an operation that fails because the connection broke (or on a
 *   serialisation failure or deadlock) is run again on a fresh connection, up to a few
 *   times, unless a write of it may already have committed — a COMMIT or a single-statement
 *   write whose answer was lost — which is reported instead of risking doing it twice.
 *   Everything that writes more than one row runs in one transaction, so a failure leaves
 *   nothing half-applied. Every connection has an 'error' listener for its whole life, lent
 *   or idle: pg emits 'error' when the server ends a connection, and an emitter without a
 *   listener would end the process. A connection that failed is closed, not pooled again.
 * - Failures: when the tries run out, a deadlock or serialisation failure is LOCK_TIMEOUT
 *   (rolled back: nothing was changed), and any other error of the server or the connection
 *   STORE_UNAVAILABLE, saying whether the call may have been applied (see failure()).
 * - Time: the database clock is the reference (see clockOffsetMs).
 * - Announcing: after a change commits, NOTIFY with the workflow's id (see announce).
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { loadPg } from "./load-pg.js";
import { StoreUnavailableError, TaskManagerError, isTaskManagerError } from "../../core/errors.js";
import { ChangeListener } from "./change-listener.js";
import { redactDatabaseUrl } from "./connection-url.js";
import { PlainReason, inWords, isConnectionError, isContention, isDatabaseFailure, isRetryable, reasonOf } from "./failures.js";
import { MIGRATIONS, channelOf } from "./migrations.js";
import { VacuumPacer } from "./vacuum-pacer.js";

export interface PostgresDatabaseOptions {
  url: string;
  /** The schema holding the tables: letters, digits and _, starting with a letter or _. */
  schema: string;
  /** Connections in the pool. */
  poolSize: number;
  /**
   * "on" (default): a change that returned survives a crash of the database server.
   * "off": commits do not wait for the disk (PostgreSQL's synchronous_commit = off): after
   * a crash of the server (not of an agent) the last few hundred milliseconds of changes
   * may be lost, never half-applied; several times faster on a disk with slow fsync.
   */
  synchronousCommit?: "on" | "off" | undefined;
}

/** Attempts at one operation when the connection drops or a transaction must be retried. */
const MAX_ATTEMPTS = 5;
/** Pause before the first retry, doubled each time. */
const FIRST_RETRY_DELAY_MS = 100;
/** How long a connection attempt may take. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How often the clock offset is measured again. */
const CLOCK_REFRESH_MS = 60_000;
/**
 * Offsets smaller than this are taken as none: the round trip's own noise is below it, and
 * a time written by this process then is exactly the time its caller passed.
 */
export const CLOCK_TOLERANCE_MS = 50;
/**
 * The least time between two NOTIFYs of this process: the changes made meanwhile share the
 * next. Every NOTIFY is a transaction of its own that takes a database-wide lock through its
 * commit; at one per change a busy process would spend as much on announcing as on the
 * changes. The first after a quiet spell goes at once, so a waiter is still woken within
 * milliseconds; under load, listeners hear of changes at most this much later.
 */
const ANNOUNCE_GAP_MS = 10;
/**
 * The NOTIFY: its commit need not wait for the disk (synchronous_commit off for this
 * transaction alone), so the database-wide lock is not held through a flush. A notification
 * lost to a crash of the database server is harmless: listeners look again after reconnecting.
 */
const NOTIFY_SQL = "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, wf) FROM unnest($2::text[]) AS wf";
/** Keys of pg_advisory_xact_lock: the same for every process using the package. */
const MIGRATION_LOCK: [number, number] = [0x74_6d_63_70, 1];

/**
 * How the store's connections show in pg_stat_activity: the package and the schema, so that an
 * administrator can tell whose they are. An application_name in the URL, or PGAPPNAME, wins
 * (pg lets the URL's override this, and reads PGAPPNAME only when this is undefined).
 */
export function applicationNameOf(schema: string): string | undefined {
  return process.env["PGAPPNAME"] ? undefined : `task-manager-mcp ${schema}`;
}

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

export class PostgresDatabase {
  readonly url: string;
  readonly schema: string;
  readonly synchronousCommit: "on" | "off";
  /** The schema's name quoted for SQL. */
  readonly s: string;
  /** The URL without its password, for messages. */
  readonly safeUrl: string;
  readonly changes: ChangeListener;
  private readonly pool: pg.Pool;
  private started: Promise<void> | null = null;
  private offset = 0;
  private offsetMeasuredAt = 0;
  private users = 0;
  /** The NOTIFY last started, and the workflows for the one to send after it. */
  private announcing: Promise<void> | null = null;
  private nextAnnouncement: { workflows: Set<string>; sent: Promise<void> } | null = null;
  private lastAnnouncedAt = 0;
  /** Vacuums the tasks table after many claims (see vacuum-pacer.ts). */
  private readonly vacuums: VacuumPacer;

  constructor(options: PostgresDatabaseOptions) {
    if (!SCHEMA_PATTERN.test(options.schema)) {
      throw new TypeError(`schema must be 1-40 letters, digits or _, starting with a letter or _; got ${JSON.stringify(options.schema)}.`);
    }
    this.url = options.url;
    this.schema = options.schema;
    this.synchronousCommit = options.synchronousCommit ?? "on";
    this.s = `"${options.schema}"`;
    this.safeUrl = redactDatabaseUrl(options.url);
    this.pool = new (loadPg().Pool)({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Idle connections do not keep a process alive that is done and forgot to close().
      allowExitOnIdle: true,
      application_name: applicationNameOf(options.schema),
      ...(options.synchronousCommit === "off" ? { options: "-c synchronous_commit=off" } : {}),
    });
    // A connection that dies while idle in the pool is dropped by pg; without a handler the error would end the process.
    this.pool.on("error", () => {});
    // pg leaves a lent connection's 'error' to its holder, and one comes between statements too (the server ended
    // it while no query was under way). So every connection is listened to from its start, and one that failed is
    // noted, to be closed when released.
    this.pool.on("connect", (client) => {
      client.on("error", () => lostClients.add(client));
    });
    this.changes = new ChangeListener(options.url, options.schema, applicationNameOf(options.schema));
    this.vacuums = new VacuumPacer(() => this.pool.query(`VACUUM (SKIP_LOCKED) ${this.s}.tasks`));
  }

  /**
   * The database clock minus this process's clock, in ms (0 when within CLOCK_TOLERANCE_MS plus
   * half the measuring round trip).
   * The store adds it to every time the core passes, so leases, schedules and expiry are
   * reckoned in database time by every machine, however skewed their own clocks.
   */
  get clockOffsetMs(): number {
    return this.offset;
  }

  /** Connects and migrates once; STORE_UNAVAILABLE (naming the URL without its password) when it cannot. */
  ready(): Promise<void> {
    this.started ??= this.start().catch((error: unknown) => {
      this.started = null; // the next operation tries again
      throw this.unavailable(error);
    });
    return this.started;
  }

  /**
   * Runs `operation` with a pooled connection, again on a fresh one when the connection
   * drops or the database asks for a retry, unless a write of it may have committed.
   */
  async run<T>(operation: (session: Session) => Promise<T>): Promise<T> {
    await this.ready();
    if (Date.now() - this.offsetMeasuredAt > CLOCK_REFRESH_MS) await this.measureClock().catch(() => {});
    return this.attempt(operation, true, (error, mayHaveCommitted, tries) => this.failure(error, mayHaveCommitted, tries));
  }

  /**
   * run()'s loop: `operation` on a pooled connection, again on a fresh one (a few times, with
   * back-off) when the connection drops or the database asks for a retry, unless a write of it
   * may have committed. `reconnect`: whether a connection that cannot be made is tried again
   * too. What finally fails goes through `fail`.
   */
  private async attempt<T>(
    operation: (session: Session) => Promise<T>,
    reconnect: boolean,
    fail: (error: unknown, mayHaveCommitted: boolean, tries: number) => unknown,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        if (reconnect && attempt < MAX_ATTEMPTS && isRetryable(error)) {
          await delay(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1));
          continue;
        }
        throw this.unavailable(error);
      }
      const session = new Session(client, this.s);
      let outcome: { value: T } | { error: unknown };
      let broken = false;
      try {
        outcome = { value: await operation(session) };
      } catch (error) {
        outcome = { error };
        broken = isConnectionError(error);
        if (session.inTransaction && !broken && !session.lost) await client.query("ROLLBACK").catch(() => (broken = true));
      }
      // Released before any pause for a retry, so that the pool can lend the place meanwhile; a failed connection is closed.
      client.release(broken || session.lost ? true : undefined);
      if ("value" in outcome) return outcome.value;
      const { error } = outcome;
      if (isRetryable(error) && !session.mayHaveCommitted && attempt < MAX_ATTEMPTS) {
        await delay(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1) * Math.random());
        continue;
      }
      throw fail(error, session.mayHaveCommitted, attempt);
    }
  }

  /**
   * LOCK_TIMEOUT: the call was rolled back, `tries` times, because other transactions held or
   * changed the rows it needed. Said only where nothing was committed, which a rollback ensures.
   */
  contended(error: unknown, tries: number, what = reasonOf(error).what): TaskManagerError {
    return new TaskManagerError(
      "LOCK_TIMEOUT",
      `Could not carry out this call in PostgreSQL at ${this.safeUrl}: other changes to the same tasks kept conflicting with it (the last time: ${what}; tried ${tries === 1 ? "once" : `${tries} times`}); nothing was changed, try again.`,
      { cause: error },
    );
  }

  /**
   * Tells every listener, in every process, that the workflow changed: NOTIFY on the
   * schema's channel, in a statement of its own after the change committed, so that
   * changes never wait on the database-wide lock NOTIFY holds through a commit. The
   * changes of this process that commit while one NOTIFY is under way, or less than
   * ANNOUNCE_GAP_MS after it, share the next.
   *
   * Resolves once a NOTIFY sent after the call has been delivered to the database, so
   * a process that exits right after a change has still announced it. A NOTIFY that
   * fails (the connection dropped) is not retried: listeners re-check after a reconnect
   * and every few seconds anyway (change-listener.ts).
   */
  announce(wf: string): Promise<void> {
    if (!this.nextAnnouncement) {
      const batch = { workflows: new Set<string>(), sent: Promise.resolve() };
      batch.sent = (this.announcing ?? Promise.resolve()).then(async () => {
        const wait = this.lastAnnouncedAt + ANNOUNCE_GAP_MS - Date.now();
        if (wait > 0) await delay(wait);
        if (this.nextAnnouncement === batch) this.nextAnnouncement = null; // later changes go in the batch after this one
        this.lastAnnouncedAt = Date.now();
        await this.pool.query(prepared(NOTIFY_SQL, [channelOf(this.schema), [...batch.workflows]])).catch(() => {});
      });
      this.nextAnnouncement = batch;
      this.announcing = batch.sent;
    }
    this.nextAnnouncement.workflows.add(wf);
    return this.nextAnnouncement.sent;
  }

  /** Tells of claims made, which leave entries for the index to be vacuumed (see vacuum-pacer.ts). */
  claimed(count: number): void {
    this.vacuums.claimed(count);
  }

  /** Counts a user; the pool closes when the last one closes. */
  retain(): void {
    this.users += 1;
  }

  async close(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    forget(this);
    await this.announcing;
    await this.vacuums.idle();
    this.changes.close();
    await this.pool.end();
  }

  /**
   * A server that cannot be reached is reported at once, not tried again: at start-up that is
   * a wrong URL or a server that is down. A connection lost during the migration is: the
   * migration applies only what is missing, in one transaction under its advisory lock, so it
   * is safe to run again whether or not its COMMIT got through.
   */
  private async start(): Promise<void> {
    await this.attempt((session) => migrate(session), false, (error) => error);
    await this.attempt((session) => this.measureClock(session), false, (error) => error);
  }

  /** The midpoint of a round trip against the database's clock_timestamp(), on the session's connection or any. */
  private async measureClock(session?: Session): Promise<void> {
    const sql = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS ms";
    const before = Date.now();
    const rows = session ? await session.query<{ ms: string }>(sql) : (await this.pool.query<{ ms: string }>(sql)).rows;
    const after = Date.now();
    const offset = Number(rows[0]?.ms) - (before + after) / 2;
    // The database read its clock somewhere within the round trip, so the midpoint is only
    // good to half of it: a slow answer on a busy machine is no evidence of a skewed clock.
    const uncertainty = CLOCK_TOLERANCE_MS + (after - before) / 2;
    this.offset = Number.isFinite(offset) && Math.abs(offset) >= uncertainty ? Math.round(offset) : 0;
    this.offsetMeasuredAt = after;
  }

  /**
   * A call's failure as the caller gets it: a code, and whether it may have been applied. An
   * error the server answered with rolled its transaction back, so only a lost connection
   * leaves a write in doubt. Errors of the store's own (a refusal, a bug) pass as they are.
   */
  private failure(error: unknown, mayHaveCommitted: boolean, tries: number): unknown {
    if (isTaskManagerError(error) || !isDatabaseFailure(error)) return error;
    const applied = mayHaveCommitted ? "it may or may not have been applied (check with get_task)" : "nothing was changed";
    if (isConnectionError(error)) return new StoreUnavailableError(`Lost the connection to PostgreSQL at ${this.safeUrl} (${reasonOf(error).what}); ${applied}.`, error);
    if (isContention(error) && !mayHaveCommitted) return this.contended(error, tries);
    return new StoreUnavailableError(`PostgreSQL at ${this.safeUrl} could not carry out this call (${inWords(reasonOf(error))}); ${applied}.`, error);
  }

  private unavailable(error: unknown): StoreUnavailableError {
    if (error instanceof StoreUnavailableError) return error;
    return new StoreUnavailableError(`Cannot use PostgreSQL at ${this.safeUrl} (schema ${this.schema}): ${inWords(reasonOf(error))}`, error);
  }
}

/** Pooled connections that emitted 'error': the server or the network ended them, and pg refuses any further statement on them. */
const lostClients = new WeakSet<pg.ClientBase>();

/** One pooled connection lent to an operation. */
export class Session {
  inTransaction = false;
  /** A COMMIT, or a write outside a transaction, was sent: if its answer is lost, it may have happened. */
  mayHaveCommitted = false;

  constructor(
    readonly client: pg.PoolClient,
    /** The schema's quoted name. */
    readonly s: string,
  ) {}

  /** The connection is known to be gone: pg refuses any statement on it without sending it, so none sent now can commit. */
  get lost(): boolean {
    return lostClients.has(this.client);
  }

  /** A statement that changes nothing (or runs inside transaction()). */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.client.query<R>(prepared(sql, params))).rows;
  }

  /** A statement that writes on its own (it commits by itself). */
  async write<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const before = this.mayHaveCommitted;
    if (!this.inTransaction && !this.lost) this.mayHaveCommitted = true;
    try {
      return (await this.client.query<R>(prepared(sql, params))).rows;
    } catch (error) {
      // The database answered with an error: the statement's own transaction rolled back, so a
      // deadlock or serialisation failure may be retried. Only a lost answer leaves it in doubt.
      if (!this.inTransaction && !isConnectionError(error)) this.mayHaveCommitted = before;
      throw error;
    }
  }

  /**
   * Runs `body` in one transaction; rolled back (by Database.run) when it throws. A read-only
   * one changes nothing whatever becomes of its COMMIT, so a lost answer is simply asked again.
   */
  async transaction<T>(body: () => Promise<T>, options: { isolation?: string; readOnly?: boolean } = {}): Promise<T> {
    await this.client.query(`BEGIN ISOLATION LEVEL ${options.isolation ?? "READ COMMITTED"}${options.readOnly === true ? " READ ONLY" : ""}`);
    this.inTransaction = true;
    const value = await body();
    const before = this.mayHaveCommitted;
    if (options.readOnly !== true && !this.lost) this.mayHaveCommitted = true;
    try {
      await this.client.query("COMMIT");
    } catch (error) {
      // A COMMIT the server refused (a serialisation failure, a deferred constraint) rolled back: only a lost answer leaves it in doubt.
      if (!isConnectionError(error)) this.mayHaveCommitted = before;
      throw error;
    }
    this.inTransaction = false;
    return value;
  }
}

const statementNames = new Map<string, string>();

/**
 * A named statement: each connection parses and plans it once and then only executes it,
 * which for the claim's statement is most of its cost. Named by its text, so the same
 * text always has the same name on every connection.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tm_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/**
 * Creates the schema and applies the migrations it lacks, one process at a time. Never
 * marked as maybe committed: run again after a lost COMMIT, it finds nothing left to do.
 */
async function migrate(session: Session): Promise<void> {
  const { client, s } = session;
  await client.query("BEGIN");
  session.inTransaction = true;
  await client.query("SELECT pg_advisory_xact_lock($1, $2)", MIGRATION_LOCK);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const applied = new Set((await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map((row) => row.version));
  const newest = Math.max(0, ...applied);
  const known = Math.max(...MIGRATIONS.map((migration) => migration.version));
  if (newest > known) {
    throw new PlainReason(`it was migrated by a newer version of task-manager-mcp (migration ${newest}, this one knows ${known}) — upgrade to use it`);
  }
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await client.query(migration.sql(s));
    await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
  }
  await client.query("COMMIT");
  session.inTransaction = false;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const open = new Map<string, PostgresDatabase>();

function keyOf(options: { url: string; schema: string; synchronousCommit?: string | undefined }): string {
  return `${options.url}\u0000${options.schema}\u0000${options.synchronousCommit ?? "on"}`;
}

function forget(database: PostgresDatabase): void {
  const key = keyOf(database);
  if (open.get(key) === database) open.delete(key);
}

/** The process's database for this URL and schema (one each), counted as used once more; each user calls close(). */
export function openPostgresDatabase(options: PostgresDatabaseOptions): PostgresDatabase {
  const key = keyOf(options);
  let database = open.get(key);
  if (!database) {
    database = new PostgresDatabase(options);
    open.set(key, database);
  }
  database.retain();
  return database;
}
