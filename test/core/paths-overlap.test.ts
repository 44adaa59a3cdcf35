/**
 * Pairs that name one file overlap, including a directory and a
 * glob whose matches lie under it, when the glob's literal start is shorter than the
 * directory (a wildcard stands where the directory's own name is).
 */
import picomatch from "picomatch";
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

describe("pathsOverlap: a path a state file holds in a form no request could have stored", () => {
  it.each([
    ["./src//a.ts/", "src/a.ts"],
    ["src/./a.ts", "src/*.ts"],
    ["/src/a.ts", "src/a.ts"],
    ["src\\a.ts", "src/a.ts"],
    ["src/x/../a.ts", "src/a.ts"],
    ["caf\u0065\u0301/x.ts", "caf\u00e9/x.ts"],
    ["./src//", "src/deep/er/a.ts"],
    ["../outside.ts", "src/a.ts"],
    ["./", "anything/at/all.ts"],
  ])("%j overlaps %j, read the widest way it can mean", (stored, asked) => {
    expect(pathsOverlap(stored, asked)).toBe(true);
    expect(pathsOverlap(asked, stored)).toBe(true);
  });

  it("still tells apart what is disjoint", () => {
    expect(pathsOverlap("./src//a.ts/", "src/b.ts")).toBe(false);
    expect(pathsOverlap("/lib/a.ts", "src/a.ts")).toBe(false);
  });
});

describe("pathsOverlap: a | outside any group, which picomatch reads as either side", () => {
  it.each([
    ["a|b/*.ts", "b/x.ts"],
    ["a|b/*.ts", "b"],
    ["x/a|b/*", "b/c"],
  ])("%s and %s overlap", (glob, plain) => {
    expect(pathsOverlap(glob, plain)).toBe(true);
    expect(pathsOverlap(plain, glob)).toBe(true);
  });
});

describe("pathsOverlap against picomatch, on random names", () => {
  // Two names overlap when some file lies under both: under a plain name, or matched (itself or a directory above it) by a glob.
  it("never judges disjoint two names that cover one file", () => {
    let seed = 19;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = (from: readonly string[]) => from[Math.floor(next() * from.length)] as string;
    const segments = ["a", "b", "ab", ".x", "a.ts", "b.md", "[id]", "a+b", "c"];
    const globSegments = ["*", "**", "a*", "*b", "?", "a?", "{a,b}", "{a,c}/b", "[ab]", "[!a]", "[^a]", "@(a|b)", "+(a)", "*(b)", "?(a)", "!(a)", "a{,b}", "*.ts", "**.ts", "{a..c}", "***", "a/**", "a[", "(a)", "a|b", "{a/b,c}", "[a-c]", "**/a", "{,a/}b"];
    const files = Array.from({ length: 200 }, () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(segments)).join("/"));
    const globs = Array.from({ length: 150 }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => (next() < 0.6 ? pick(globSegments) : pick(segments))).join("/"));
    const ancestors = (file: string) => file.split("/").map((_, at, parts) => parts.slice(0, at + 1).join("/"));
    const matcher = (name: string): ((candidate: string) => boolean) => {
      if (!picomatch.scan(name).isGlob) return (candidate) => candidate === name;
      const readings = [picomatch(name, { dot: true }), picomatch(name.replaceAll("[!", "[^"), { dot: true })];
      return (candidate) => readings.some((reading) => reading(candidate));
    };
    const names = [...new Set([...globs, ...files.slice(0, 60), ...files.flatMap(ancestors).slice(0, 60)])];
    const covered = new Map(names.map((name) => [name, new Set(files.filter((file) => ancestors(file).some(matcher(name))))]));
    const missed: string[] = [];
    for (const [at, first] of names.entries()) {
      for (const second of names.slice(at)) {
        if (pathsOverlap(first, second)) continue;
        const both = [...(covered.get(first) ?? [])].find((file) => covered.get(second)?.has(file));
        if (both !== undefined) missed.push(`${first} | ${second} (both cover ${both})`);
      }
    }
    expect(missed.slice(0, 10)).toEqual([]);
  });
});
