/**
 * Where the package is installed and which version it is. Both `src/mcp` and the
 * built `dist/mcp` sit two levels below the package root, so the same relative
 * path works from source (tests) and from the build (the bin), whatever the cwd.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export const PACKAGE_NAME = "task-manager-mcp";
export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));
export const packageVersion = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
