/**
 * The PostgreSQL schema, as numbered migrations. Each runs once, in order, inside one
 * transaction, while the migrating process holds an advisory lock (database.ts), and is
 * recorded in `schema_migrations`; so many servers starting at once apply each exactly once.
 * Add a migration at the end; never edit one that has shipped.
 *
 * A task is one row whose `body` is the task exactly as the JSON store keeps it (text,
 * not jsonb: jsonb reorders keys and refuses "\u0000", which task data may hold). The
 * other columns repeat what SQL searches and orders by, derived from the body in
 * task-rows.ts. A claim is one SQL statement and does not rewrite the body: it records
 * who claimed, when and for how long in the `claim_*` columns, and the rule's effect on
 * the body is applied when the row is read, and folded in at its next write (task-rows.ts).
 *
 * There are no NOTIFY triggers: a transaction that sends NOTIFY holds a database-wide lock
 * through its commit (and the disk flush), which would make every change wait for every
 * other. The store announces its changes right after they commit instead (database.ts).
 *
 * Nothing here is a per-workflow counter or timestamp that every change would update:
 * such a row would serialise all agents on its lock. The workflow's last_updated is the
 * latest of its tasks' `updated_ms` (an index answers it).
 */
export interface Migration {
  version: number;
  /** What it does, recorded with it. */
  name: string;
  /** The SQL, given the schema's quoted name. */
  sql(schema: string): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "workflows, tasks, dependencies",
    sql: (s) => `
CREATE TABLE ${s}.workflows (
  wf bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  workflow_type text NOT NULL,
  -- The metadata object as JSON; its last_updated is derived (see getMetadata).
  metadata text NOT NULL,
  -- Other top-level fields of an imported state file, as a JSON object, kept for export.
  extra text,
  last_updated_ms bigint NOT NULL,
  -- task_defaults.lease_seconds of the metadata, read by readTaskDefaults when it is written: what a claim needs of it.
  default_lease_seconds double precision
);

CREATE TABLE ${s}.tasks (
  -- Creation order: claims take the oldest among equal priorities, lists page in this order.
  seq bigserial PRIMARY KEY,
  wf bigint NOT NULL REFERENCES ${s}.workflows (wf),
  id text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  parent_id text,
  priority integer NOT NULL,
  -- Dependencies not completed yet: 0 means every dependency is met.
  unmet_deps integer NOT NULL,
  -- not_before in ms; NULL when absent or unreadable.
  not_before_ms bigint,
  -- A held task's lease end in ms (-1 when unreadable: expired); NULL for a seed claim without a lease.
  expires_ms bigint,
  -- A seed claim's locked_at in ms, its lease running the task timeout from there.
  locked_ms bigint,
  idempotency_key text,
  -- Bumped by every write: a change made from a row read earlier applies only if the row is still that version.
  version integer NOT NULL DEFAULT 0,
  updated_ms bigint NOT NULL,
  -- A claim not yet folded into the body (see task-rows.ts).
  claim_agent text,
  claim_at_ms bigint,
  claim_lease_seconds double precision,
  body text NOT NULL
);

CREATE UNIQUE INDEX tasks_by_id ON ${s}.tasks (wf, id);
CREATE INDEX tasks_ready ON ${s}.tasks (wf, priority DESC, seq) WHERE status = 'pending' AND unmet_deps = 0;
CREATE INDEX tasks_ready_by_type ON ${s}.tasks (wf, type, priority DESC, seq) WHERE status = 'pending' AND unmet_deps = 0;
CREATE INDEX tasks_scheduled ON ${s}.tasks (wf, not_before_ms) WHERE status = 'pending' AND not_before_ms IS NOT NULL;
CREATE INDEX tasks_held ON ${s}.tasks (wf, expires_ms, locked_ms) WHERE status = 'in_progress';
CREATE INDEX tasks_by_status ON ${s}.tasks (wf, status, seq);
CREATE INDEX tasks_by_parent ON ${s}.tasks (wf, parent_id, seq) WHERE parent_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_by_key ON ${s}.tasks (wf, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_by_update ON ${s}.tasks (wf, updated_ms);

-- Who depends on whom, to count down unmet_deps when a task completes.
CREATE TABLE ${s}.task_deps (
  wf bigint NOT NULL,
  dep_id text NOT NULL,
  task_seq bigint NOT NULL,
  PRIMARY KEY (wf, dep_id, task_seq)
);
`,
  },
  {
    version: 2,
    name: "claim tokens",
    sql: (s) => `
-- With the claim_* columns, a claim not yet folded into the body: the SHA-256 of its token's
-- secret (core/claim-token.ts). NULL on claims made before this migration, checked by name.
ALTER TABLE ${s}.tasks ADD COLUMN claim_token_sha256 text;
`,
  },
  {
    version: 3,
    name: "path reservations",
    sql: (s) => `
-- The task declares paths (core/paths.ts): set when it is inserted, from its body (a task's paths never change).
ALTER TABLE ${s}.tasks ADD COLUMN has_paths boolean NOT NULL DEFAULT false;
-- Some task of the workflow declares paths, or it has had a reservation: set, never unset. While it
-- is false, a claim is the one statement of the hot path; once true, claims take the workflow's
-- row lock and look at the holds (postgres-store.ts).
ALTER TABLE ${s}.workflows ADD COLUMN uses_paths boolean NOT NULL DEFAULT false;
-- Rows written before this migration: any body that may declare paths counts (a false positive
-- only sends the workflow's claims the slower way; the body decides).
UPDATE ${s}.tasks SET has_paths = true WHERE body LIKE '%"paths":%';
UPDATE ${s}.workflows w SET uses_paths = true
  WHERE extra LIKE '%"reservations":%' OR EXISTS (SELECT 1 FROM ${s}.tasks t WHERE t.wf = w.wf AND t.has_paths);
-- The holds of tasks in progress.
CREATE INDEX tasks_holding_paths ON ${s}.tasks (wf, seq) WHERE status = 'in_progress' AND has_paths;
`,
  },
  {
    version: 4,
    name: "paths epoch",
    sql: (s) => `
-- Bumped by every change that adds holds (a claim in a workflow that uses paths, a change of the
-- reservations): a claim decided on holds read without the lock writes only while it is unchanged.
ALTER TABLE ${s}.workflows ADD COLUMN paths_epoch bigint NOT NULL DEFAULT 0;
`,
  },
  {
    version: 5,
    name: "claim sessions",
    sql: (s) => `
-- With the claim_* columns, the SHA-256 of the claiming session's secret: a claim among paths made
-- by one statement records its holder's session there, as the rule records it in the body.
ALTER TABLE ${s}.tasks ADD COLUMN claim_session_sha256 text;
`,
  },
];

/** The channel a schema's changes are announced on, the payload a workflow's id (see PostgresDatabase.announce). */
export function channelOf(schema: string): string {
  return `task_manager.${schema}`;
}
