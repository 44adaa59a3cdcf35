/**
 * The SQLite database of a state directory: every workflow in one file. A task is
 * one row whose `body` is the task exactly as the JSON store keeps it (so export is
 * a copy, and fields written by a newer version survive); the other columns repeat
 * what SQL must search or order by, and are always derived from the body (task-rows.ts).
 *
 * The partial indexes hold only the rows an operation looks for, so their cost does
 * not grow with the number of finished or waiting tasks:
 * - a claim reads the first entry of tasks_ready (or of tasks_ready_by_type per type);
 * - expired leases are a range of tasks_held, due schedules a range of tasks_delayed;
 * - the holds of paths (core/path-holds.ts) and the pending tasks they may keep back are
 *   ranges of tasks_with_paths.
 */
export const SCHEMA_VERSION = 3;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS workflows (
  wf INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  workflow_type TEXT NOT NULL,
  -- The metadata object as JSON; its last_updated is the column below, stamped by every change.
  metadata TEXT NOT NULL,
  last_updated TEXT NOT NULL,
  -- Other top-level fields of an imported state file, as a JSON object, kept for export.
  extra TEXT,
  -- Bumped by every committed change: how other processes tell which workflow changed.
  version INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE IF NOT EXISTS tasks (
  -- Creation order: claims take the oldest among equal priorities, lists page in this order.
  seq INTEGER PRIMARY KEY,
  wf INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  parent_id TEXT,
  priority INTEGER NOT NULL,
  -- Dependencies not completed yet (missing ones count): 0 means every dependency is met.
  unmet_deps INTEGER NOT NULL,
  -- not_before in ms; NULL when absent or unreadable (an unreadable time does not hold a task back).
  not_before_ms INTEGER,
  -- 1 while not_before_ms was ahead when last looked at; claims clear it once it has passed.
  delayed INTEGER NOT NULL,
  -- A held task's lease end in ms (-1 when unreadable: expired); NULL for a seed claim without a lease.
  expires_ms INTEGER,
  -- A seed claim's locked_at in ms, its lease running the task timeout from there.
  locked_ms INTEGER,
  idempotency_key TEXT,
  body TEXT NOT NULL,
  -- 1 when the task declares paths: only such tasks hold paths or can be kept back by a hold.
  has_paths INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_id ON tasks (wf, id);
-- Pages and exports in creation order, from a cursor on: a range of this index, never a sort.
CREATE INDEX IF NOT EXISTS tasks_by_seq ON tasks (wf, seq);
CREATE INDEX IF NOT EXISTS tasks_ready ON tasks (wf, priority DESC, seq)
  WHERE status = 'pending' AND unmet_deps = 0 AND delayed = 0;
CREATE INDEX IF NOT EXISTS tasks_ready_by_type ON tasks (wf, type, priority DESC, seq)
  WHERE status = 'pending' AND unmet_deps = 0 AND delayed = 0;
CREATE INDEX IF NOT EXISTS tasks_delayed ON tasks (wf, not_before_ms, unmet_deps)
  WHERE status = 'pending' AND delayed = 1;
CREATE INDEX IF NOT EXISTS tasks_waiting ON tasks (wf, seq)
  WHERE status = 'pending' AND unmet_deps > 0;
CREATE INDEX IF NOT EXISTS tasks_held ON tasks (wf, expires_ms, locked_ms)
  WHERE status = 'in_progress';
-- Listing by status, in creation order (new rows are appended to their status's range).
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (wf, status, seq);
CREATE INDEX IF NOT EXISTS tasks_by_parent ON tasks (wf, parent_id, seq)
  WHERE parent_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_key ON tasks (wf, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- The tasks with paths by status: in progress, they are the holds; pending, what holds may keep back.
CREATE INDEX IF NOT EXISTS tasks_with_paths ON tasks (wf, status, seq)
  WHERE has_paths = 1;

-- Who depends on whom, to count down unmet_deps when a task completes.
CREATE TABLE IF NOT EXISTS task_deps (
  wf INTEGER NOT NULL,
  dep_id TEXT NOT NULL,
  task_seq INTEGER NOT NULL,
  PRIMARY KEY (wf, dep_id, task_seq)
) STRICT, WITHOUT ROWID;

-- Tasks per workflow, type and status, so a summary reads a few rows, not a million. New tasks
-- are counted by the statement that inserts them, a batch at a time (a trigger per row would
-- cost a bulk create a third of its time); a change of status is counted by the trigger below.
CREATE TABLE IF NOT EXISTS task_counts (
  wf INTEGER NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (wf, type, status)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS task_counts_update AFTER UPDATE OF status ON tasks
  WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE task_counts SET n = n - 1 WHERE wf = OLD.wf AND type = OLD.type AND status = OLD.status;
  INSERT INTO task_counts (wf, type, status, n) VALUES (NEW.wf, NEW.type, NEW.status, 1)
    ON CONFLICT (wf, type, status) DO UPDATE SET n = n + 1;
END;
`;

/**
 * What a database of an earlier schema needs before SCHEMA (whose statements all say IF NOT
 * EXISTS) brings it up to date: schema 1 counted new tasks by a trigger (now the inserting
 * statement does) and indexed only some statuses; schema 2 had no has_paths, which is
 * derived here from the body as task-rows.ts derives it (a body that is not JSON has none).
 */
export const UPGRADES: Readonly<Record<number, string>> = {
  1: `
DROP TRIGGER IF EXISTS task_counts_insert;
DROP INDEX IF EXISTS tasks_by_status;
`,
  2: `
ALTER TABLE tasks ADD COLUMN has_paths INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET has_paths = 1
  WHERE CASE WHEN json_valid(body) THEN coalesce(json_array_length(body, '$.paths'), 0) > 0 ELSE 0 END;
`,
};
