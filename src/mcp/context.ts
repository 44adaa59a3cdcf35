/**
 * What every tool, resource and prompt handler shares: the state directory's
 * workflows, the caller's identity and session, the claims this server made, and `run`, which
 * turns any thrown error into a tool refusal so one bad call never stops the server.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { newClaimSecret } from "../core/claim-token.js";
import { DEFAULT_WORKFLOW } from "../core/workflow-name.js";
import type { TaskManager } from "../task-manager.js";
import type { Workflows } from "../workflows.js";
import type { ClaimLedger } from "./claims.js";
import type { Log } from "./log.js";
import { toolFailure } from "./tool-result.js";

export interface OpenWorkflow {
  name: string;
  tm: TaskManager;
}

export class ServerContext {
  /**
   * This server's session secret, passed as `session` with every claim and reservation:
   * the paths it holds are this session's, so two windows of one client (one name) are two
   * holders. Random per server, which is per stdio process and per HTTP session; never shown.
   */
  readonly session = newClaimSecret().secret;

  constructor(
    readonly workflows: Workflows,
    readonly claims: ClaimLedger,
    private readonly resolveAgentId: () => string,
    readonly log: Log,
    /** Aborted when the server shuts down: calls waiting for a task stop waiting. */
    readonly stopWaiting: AbortSignal = new AbortController().signal,
  ) {}

  /** The named workflow (default "default"); a name that is not allowed throws INVALID_INPUT. */
  workflow(name: string | undefined): OpenWorkflow {
    const chosen = name ?? DEFAULT_WORKFLOW;
    return { name: chosen, tm: this.workflows.get(chosen) };
  }

  /** The agent id tasks are claimed under: configured, or the MCP client's name. */
  agentId(): string {
    return this.resolveAgentId();
  }

  /** Runs one tool call; any error becomes an `isError` result. */
  run(call: () => Promise<CallToolResult>): Promise<CallToolResult> {
    return call().catch((error: unknown) => toolFailure(error, this.log));
  }
}
