/**
 * The PostgreSQL store's workflows: every one in the tables of one schema, by name. The
 * state directory plays no part; the database URL says where they are.
 */
import type { StoreNotice } from "../../core/store-notices.js";
import { assertWorkflowName } from "../../core/workflow-name.js";
import { openPostgresDatabase, type PostgresDatabase } from "./database.js";
import { DEFAULT_POSTGRES_POOL_SIZE, DEFAULT_POSTGRES_SCHEMA, PostgresStore } from "./postgres-store.js";
import type { WorkflowCatalog, WorkflowChange } from "../workflow-catalog.js";

export interface PostgresCatalogOptions {
  url: string;
  schema?: string | undefined;
}

export class PostgresCatalog implements WorkflowCatalog {
  readonly kind = "postgres";
  private readonly database: PostgresDatabase;
  private readonly schema: string;
  private closed = false;

  constructor(private readonly options: PostgresCatalogOptions) {
    this.schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
    this.database = openPostgresDatabase({ url: options.url, schema: this.schema, poolSize: DEFAULT_POSTGRES_POOL_SIZE });
  }

  /** There is no file: the database and the workflow's name, as locationOf. */
  fileOf(name: string): string {
    return this.locationOf(name);
  }

  locationOf(name: string): string {
    return `${this.database.safeUrl}#${this.schema}/${assertWorkflowName(name)}`;
  }

  open(name: string, onNotice: ((notice: StoreNotice) => void) | undefined): PostgresStore {
    return new PostgresStore({ url: this.options.url, schema: this.schema, workflow: name, onNotice });
  }

  async list(): Promise<string[]> {
    const rows = await this.database.run((session) => session.query<{ name: string }>(`SELECT name FROM ${session.s}.workflows ORDER BY name COLLATE "C"`));
    return rows.map((row) => row.name);
  }

  async exists(name: string): Promise<boolean> {
    assertWorkflowName(name);
    const rows = await this.database.run((session) => session.query(`SELECT 1 FROM ${session.s}.workflows WHERE name = $1`, [name]));
    return rows.length > 0;
  }

  /** NOTIFY carries a workflow's id; its name is looked up once. A reconnect reports every workflow as changed. */
  watch(listener: (change: WorkflowChange) => void): () => void {
    const names = new Map<number, string>();
    let stopped = false;
    const report = async (wf: number | null): Promise<void> => {
      const rows = await this.database.run((session) =>
        session.query<{ wf: string; name: string }>(`SELECT wf, name FROM ${session.s}.workflows ${wf === null ? "" : "WHERE wf = $1"}`, wf === null ? [] : [wf]),
      );
      if (stopped) return;
      for (const row of rows) {
        const id = Number(row.wf);
        const known = names.has(id);
        names.set(id, row.name);
        listener({ workflow: row.name, kind: known || wf === null ? "changed" : "created" });
      }
    };
    const unsubscribe = this.database.changes.subscribe((wf) => {
      const name = wf === null ? undefined : names.get(wf);
      if (name !== undefined) listener({ workflow: name, kind: "changed" });
      else report(wf).catch(() => {}); // unreachable now: the next change or reconnect reports it
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.database.close();
  }
}
