import { spawn, type ChildProcess } from "node:child_process";

export interface Ack {
  op: "create" | "claim" | "complete" | "release";
  id: string;
  agentId: string;
  attempt?: number;
}

/** A child process that prints one JSON acknowledgement per line; collects them as they come. */
export class AckWorker {
  readonly acks: Ack[] = [];
  readonly child: ChildProcess;
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = "";
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(script: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.onData(chunk));
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on("close", (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once `count` more acknowledgements than now have arrived. */
  nextAcks(count = 1): Promise<void> {
    const target = this.acks.length + count;
    return new Promise((resolve) => {
      this.waiters.push({ count: target, resolve });
      this.flushWaiters();
    });
  }

  /** Asks the worker to finish its current call and exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin?.end();
    return this.exited;
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill("SIGKILL");
    return this.exited;
  }

  private onData(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) this.acks.push(JSON.parse(line) as Ack);
    this.flushWaiters();
  }

  private flushWaiters(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (this.acks.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}
