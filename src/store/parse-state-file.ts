/** The whole-file reading of a state file: JSON, then the workflow schema. */
import { StateFileCorruptError } from "../core/errors.js";
import { describeIssues } from "../core/inputs.js";
import type { WorkflowState } from "../core/schema.js";
import { checkWorkflowState } from "../core/workflow-state-check.js";

/** The state a file holds; STATE_FILE_CORRUPT, naming the file, if it is not valid JSON or not a workflow. */
export function parseStateFile(file: string, bytes: Buffer): WorkflowState {
  if (bytes.length === 0) throw new StateFileCorruptError(file, "the file is empty");
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new StateFileCorruptError(file, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = checkWorkflowState(json);
  if (!parsed.success) throw new StateFileCorruptError(file, `not a workflow state: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
