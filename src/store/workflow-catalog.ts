/**
 * The workflows of one state directory, in one kind of store: how a workflow is
 * opened by name, which exist, and how any process's change to them is heard of.
 * Workflows (src/workflows.ts) is the same for every kind; only this differs.
 * open-catalog.ts picks the implementation; this file only says what one is.
 */
import type { StoreNotice } from "../core/store-notices.js";
import type { TaskStore } from "../core/task-store.js";
import type { SqliteSynchronous } from "./sqlite/database.js";

/**
 * "json": one state file per workflow, in the seed's format. "sqlite": one database for all, for big workflows.
 * "postgres": every workflow in a PostgreSQL database that agents on several machines share.
 */
export type StoreKind = "json" | "sqlite" | "postgres";
export const STORE_KINDS: readonly StoreKind[] = ["json", "sqlite", "postgres"];
export const DEFAULT_STORE_KIND: StoreKind = "json";

export type WorkflowChangeKind = "created" | "changed" | "deleted";

/** A workflow was created, changed or deleted, by any process. */
export interface WorkflowChange {
  workflow: string;
  kind: WorkflowChangeKind;
}

export interface StoreOptions {
  /** Seconds a change waits for another process (the file lock, the database's write lock). */
  lockTimeoutSeconds: number;
  /** JSON only: when a lock left by a dead process is taken over. */
  lockStaleMs?: number | undefined;
  /** SQLite only: "full" (default) or "normal". */
  sqliteSynchronous?: SqliteSynchronous | undefined;
  /** PostgreSQL only, and needed by it: postgres://user:password@host:port/database. */
  databaseUrl?: string | undefined;
  /** PostgreSQL only: the schema holding the tables (default "task_manager"). */
  databaseSchema?: string | undefined;
}

export interface WorkflowCatalog {
  readonly kind: StoreKind;
  /** The file that holds the workflow: its state file, or the database that holds every workflow. */
  fileOf(name: string): string;
  /** Where the workflow lives, for people: a file, or the database and the workflow's name. */
  locationOf(name: string): string;
  /** The workflow's store. Nothing is created until its first change. */
  open(name: string, onNotice: ((notice: StoreNotice) => void) | undefined): TaskStore;
  /** Names of the workflows that exist, sorted. */
  list(): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  /** Calls `listener` soon after any process creates, changes or deletes a workflow; returns the function that stops it. */
  watch(listener: (change: WorkflowChange) => void): () => void;
  /** Lets go of what the catalog holds open. */
  close(): Promise<void>;
}

export function isStoreKind(value: unknown): value is StoreKind {
  return typeof value === "string" && (STORE_KINDS as readonly string[]).includes(value);
}
