/**
 * The claims this server process made, with the token each one got. complete_task,
 * release_task and heartbeat_task pass it back, so an agent never has to: two agents
 * that share a client name (two windows both called `claude-code`) cannot act on each
 * other's claims, because each server only knows the tokens of its own.
 */
export class ClaimLedger {
  private readonly tokens = new Map<string, string>();

  remember(workflow: string, taskId: string, claimToken: string): void {
    this.tokens.set(key(workflow, taskId), claimToken);
  }

  /** The token of our claim on this task, or undefined when this server did not claim it. */
  tokenOf(workflow: string, taskId: string): string | undefined {
    return this.tokens.get(key(workflow, taskId));
  }

  forget(workflow: string, taskId: string): void {
    this.tokens.delete(key(workflow, taskId));
  }
}

function key(workflow: string, taskId: string): string {
  return `${workflow}\u0000${taskId}`;
}
