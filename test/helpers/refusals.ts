/** What tests of refusals share: the documented codes, and the error a refused call threw. */
export { ERROR_CODES } from "../../src/core/errors.js";

/** What a call that must be refused threw; fails the test if it did not throw. */
export async function refusal(call: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("the call was not refused");
}
