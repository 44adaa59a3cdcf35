/** A pending task as a state file stores it, for tests that write state files by hand. */
import type { StoredTask } from "../../src/index.js";

export function pendingTask(fields: Partial<StoredTask> = {}): StoredTask {
  return {
    type: "t",
    status: "pending",
    parent_id: null,
    locked_by: null,
    locked_at: null,
    created_at: "2024-01-01T00:00:00.000Z",
    completed_at: null,
    data: {},
    ...fields,
  };
}
