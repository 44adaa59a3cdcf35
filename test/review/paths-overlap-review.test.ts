/**
 * Review of issue 19: pairs that name one file but were judged disjoint. A directory and a
 * glob whose matches lie under it, when the glob's literal start is shorter than the
 * directory (a wildcard stands where the directory's own name is).
 */
import { describe, expect, it } from "vitest";
import { normalisePath, normalisePaths, pathsOverlap } from "../../src/core/paths.js";

describe("pathsOverlap: a directory and a glob that reaches under it", () => {
  it.each([
    ["src/auth", "src/*/tokens.ts", "src/auth/tokens.ts"],
    ["src/auth", "src/**/tokens.ts", "src/auth/tokens.ts"],
    ["src", "**/x.ts", "src/x.ts"],
    ["src", "s*/a.ts", "src/a.ts"],
    ["src", "{src,lib}/x.ts", "src/x.ts"],
    ["src/a", "src/@(a|b)/x", "src/a/x"],
    ["src/a", "src/+(a)/x", "src/a/x"],
    ["src/a", "src/?/x", "src/a/x"],
    ["src/a", "src/[a]/x", "src/a/x"],
    ["a", "*/*", "a/b"],
    ["a/b/c", "a/*/*/**", "a/b/c/d"],
    ["foo", "f[o]o/x", "foo/x"],
    [".github", "*/workflows/*.yml", ".github/workflows/ci.yml"],
  ])("%s and %s overlap (both name %s)", (directory, glob) => {
    expect(pathsOverlap(directory, glob)).toBe(true);
    expect(pathsOverlap(glob, directory)).toBe(true);
  });

  it.each([
    ["docs", "src/*/x.ts"],
    ["src/auth", "src/*.md/*"],
    ["src/c/x.ts", "src/{a,b}/x.ts"],
    ["src/auth", "lib/**"],
    ["src/authx", "src/auth/*"],
    ["package.json", "docs/*.md"],
  ])("%s and %s stay disjoint", (directory, glob) => {
    expect(pathsOverlap(directory, glob)).toBe(false);
    expect(pathsOverlap(glob, directory)).toBe(false);
  });
});

describe("pathsOverlap: [!x] as shells and .gitignore read it (not x)", () => {
  // picomatch alone reads [!b] as "! or b", so src/[!b].ts and src/a.ts were judged disjoint.
  it.each([
    ["src/a.ts", "src/[!b].ts"],
    ["src/a", "src/[!b]/b.ts"],
    ["src/a/b.ts", "src/[!b]/b.ts"],
  ])("%s and %s overlap", (plain, glob) => {
    expect(pathsOverlap(plain, glob)).toBe(true);
    expect(pathsOverlap(glob, plain)).toBe(true);
  });
});

describe("normalisePath: one file, one spelling", () => {
  it("a decomposed name (as macOS lists it) is stored composed, so it overlaps the name as typed", () => {
    const typed = "docs/caf\u00e9.md";
    const listed = "docs/cafe\u0301.md";
    expect(normalisePath(listed, "paths[0]")).toBe(typed);
    expect(pathsOverlap(normalisePath(listed, "p"), normalisePath(typed, "p"))).toBe(true);
    expect(normalisePaths([typed, listed], "paths")).toEqual([typed]);
  });
});
