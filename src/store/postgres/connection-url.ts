/**
 * Database URLs in messages: a URL names the server, user and database a person needs
 * to check, but its password must never reach a log or an agent's transcript.
 */

/** The URL without its password (in the user part or a `password=` parameter). */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a libpq key=value string, say): show only that it was one.
    return "(a database connection string that is not a URL)";
  }
  if (parsed.password !== "") parsed.password = "";
  if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
  return parsed.toString();
}
