/** A mistake in how the program was started: reported on stderr in one sentence, exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
