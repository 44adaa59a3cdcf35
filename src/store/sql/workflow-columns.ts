/**
 * A workflow's row in either SQL store: its metadata as JSON, its type, and whatever else
 * an imported header carried (`extra`, JSON or null). The time of the last change is kept
 * apart from the metadata, so a change to a task need not rewrite the metadata.
 */
import type { WorkflowMetadata } from "../../core/schema.js";
import type { WorkflowHeader } from "../../core/workflow-transfer.js";

export interface StoredWorkflowColumns {
  workflow_type: string;
  metadata: string;
  extra: string | null;
}

/** The metadata as stored, with `lastUpdated`, the time of the last change. */
export function workflowMetadata(row: StoredWorkflowColumns, lastUpdated: string): WorkflowMetadata {
  const metadata = JSON.parse(row.metadata) as WorkflowMetadata;
  metadata.last_updated = lastUpdated;
  return metadata;
}

/** The header an export starts with. */
export function workflowHeader(row: StoredWorkflowColumns, lastUpdated: string): WorkflowHeader {
  const extra = row.extra === null ? {} : (JSON.parse(row.extra) as Record<string, unknown>);
  return { workflow_type: row.workflow_type, metadata: workflowMetadata(row, lastUpdated), ...extra };
}

/** A header as the columns that store it. */
export function headerColumns(header: WorkflowHeader): StoredWorkflowColumns {
  const { workflow_type: type, metadata, ...extra } = header;
  return { workflow_type: type, metadata: JSON.stringify(metadata), extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null };
}
