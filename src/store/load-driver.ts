/**
 * The SQL stores' drivers (better-sqlite3, pg) are optional peer dependencies: loaded
 * when a store first opens its database, never when the package is imported, so a
 * JSON-store user installs and loads neither. A missing or mis-built driver is one line
 * saying which package to add or rebuild.
 */
import { createRequire } from "node:module";
import { StoreUnavailableError } from "../core/errors.js";

export type DriverName = "better-sqlite3" | "pg";

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<DriverName, unknown>();

/**
 * `check` runs once on the loaded module, for a driver that defers loading its native
 * addon (better-sqlite3 does, to its first connection): a mis-built addon then fails here,
 * with the line saying what to run, instead of later as a raw dlopen error.
 */
export function loadDriver<T>(name: DriverName, store: "sqlite" | "postgres", check: (driver: T) => void = () => {}): T {
  if (!loaded.has(name)) loaded.set(name, requireDriver(name, store, check));
  return loaded.get(name) as T;
}

function requireDriver<T>(name: DriverName, store: string, check: (driver: T) => void): T {
  try {
    const driver = requireFromHere(name) as T;
    check(driver);
    return driver;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : "";
    if (code === "MODULE_NOT_FOUND" && message.includes(`'${name}'`)) {
      throw new StoreUnavailableError(`The ${store} store needs the "${name}" package, which is not installed: run npm install ${name}`);
    }
    if (message.includes("NODE_MODULE_VERSION") || code === "ERR_DLOPEN_FAILED") {
      throw new StoreUnavailableError(`The ${store} store's "${name}" package was built for another version of Node.js or is damaged: run npm rebuild ${name}`);
    }
    throw new StoreUnavailableError(`The ${store} store could not load the "${name}" package: run npm install ${name}`, error);
  }
}
