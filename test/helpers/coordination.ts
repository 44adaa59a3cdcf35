import { join } from "node:path";
import { TaskManager, type TaskManagerError, type TaskManagerOptions } from "../../src/index.js";
import { tempDir } from "./temp-dir.js";

/** A clock the test moves by hand, so leases, schedules and backoffs are tested without sleeping. */
export class ManualClock {
  private ms: number;
  constructor(start = "2026-01-01T00:00:00.000Z") {
    this.ms = Date.parse(start);
  }
  readonly now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  /** The clock's time `seconds` from now, as the library writes it. */
  iso(seconds = 0): string {
    return new Date(this.ms + seconds * 1000).toISOString();
  }
}

/** A TaskManager over a fresh state file, on a manual clock. */
export async function clockedManager(options: Omit<TaskManagerOptions, "stateFile" | "clock"> = {}) {
  const clock = new ManualClock();
  const stateFile = join(await tempDir(), "wf.json");
  const tm = new TaskManager({ stateFile, clock: clock.now, ...options });
  return { tm, clock, stateFile };
}

/** The error code a promise rejects with, or "no error". */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as TaskManagerError).code ?? `not coded: ${String(error)}`;
  }
  return "no error";
}
