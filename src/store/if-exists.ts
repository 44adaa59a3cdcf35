/** What a file system call returns, or null when what it names is not there (ENOENT); other errors are thrown. */
export function ifExists<T>(call: () => T): T | null {
  try {
    return call();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
