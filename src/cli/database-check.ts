/**
 * Checks at startup that the PostgreSQL database can be used (reached, and its schema
 * created or migrated), so a wrong URL or a server that is down fails at once with a
 * sentence on stderr naming the URL without its password, instead of on an agent's
 * first call.
 */
import { PostgresStore } from "../store/postgres/postgres-store.js";
import { DEFAULT_WORKFLOW } from "../core/workflow-name.js";
import type { ServeConfig } from "./serve-options.js";

export async function assertReachableDatabase(config: ServeConfig): Promise<void> {
  const store = new PostgresStore({ url: config.databaseUrl ?? "", schema: config.databaseSchema, workflow: DEFAULT_WORKFLOW });
  try {
    await store.ready();
  } finally {
    await store.close();
  }
}
