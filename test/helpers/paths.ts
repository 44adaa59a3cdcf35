import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
/** The original Python module, for the tests that share state files with it (python3 runs it). */
export const seedModuleDir = fixture("seed-python");
