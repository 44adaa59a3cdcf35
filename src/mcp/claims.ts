/**
 * The claims this server process made, with the attempt number each one got.
 * Passing that number back on complete and release fences an expired claim: two
 * agents that share a client name (two windows both called `claude-code`) cannot
 * finish each other's claims, because each server only knows its own attempts.
 */
export class ClaimLedger {
  private readonly attempts = new Map<string, number>();

  remember(workflow: string, taskId: string, attempt: number): void {
    this.attempts.set(key(workflow, taskId), attempt);
  }

  /** The attempt of our claim on this task, or undefined when this server did not claim it. */
  attemptOf(workflow: string, taskId: string): number | undefined {
    return this.attempts.get(key(workflow, taskId));
  }

  forget(workflow: string, taskId: string): void {
    this.attempts.delete(key(workflow, taskId));
  }
}

function key(workflow: string, taskId: string): string {
  return `${workflow}\u0000${taskId}`;
}
