import { inject } from "vitest";

/** What some tests need beyond Node, probed once per run by test/setup/requirements.ts. */
export type Requirement = "postgres" | "chromium" | "python3";

declare module "vitest" {
  export interface ProvidedContext {
    available: Record<Requirement, boolean>;
  }
}

/** Whether this run has `what`; the setup already said once what is missing, so a test just skips: `describe.skipIf(!has("postgres"))`. */
export function has(what: Requirement): boolean {
  return inject("available")[what];
}

/**
 * Tests that need something beyond Node (a mount namespace, a database, a browser) run
 * where it is there. Elsewhere they are skipped with one line saying what is missing;
 * under CI=true a missing requirement fails the run instead, so CI never skips silently.
 */
export function requirement(available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env.CI === "true") throw new Error(`CI=true but ${what} is not available here`);
  process.stderr.write(`skipped: needs ${what}\n`);
  return false;
}
