/**
 * The page's files, served from the package's `dashboard/` folder. Only the files named
 * here are served, so no request path can reach any other file.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../mcp/package-info.js";

export const ASSETS_DIR = join(packageRoot, "dashboard");

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

export async function staticFile(path: string, assetsDir = ASSETS_DIR): Promise<StaticFile | null> {
  const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
  if (!entry) return null;
  return { body: await readFile(join(assetsDir, entry.file)), type: entry.type };
}
