/** A workflow (or a task searched for across workflows) that is not there: exit code 2. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  readonly code: "WORKFLOW_NOT_FOUND" | "TASK_NOT_FOUND";

  constructor(code: "WORKFLOW_NOT_FOUND" | "TASK_NOT_FOUND", message: string) {
    super(message);
    this.code = code;
  }
}
