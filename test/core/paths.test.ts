/**
 * Path names and when two overlap: the rule that decides whether two agents may work at
 * once. Each case is a pair a user writes; a missed overlap would let two agents edit one file.
 */
import { describe, expect, it } from "vitest";
import { firstOverlap, MAX_PATHS, normalisePath, normalisePaths, pathsOverlap } from "../../src/core/paths.js";
import { refusal } from "../helpers/refusals.js";

const refused = (call: () => unknown) => refusal(Promise.resolve().then(call));

describe("normalisePath", () => {
  it.each([
    ["./a", "a"],
    ["a//b", "a/b"],
    ["./src/./auth/", "src/auth"],
    ["src/auth/**", "src/auth/**"],
    ["package.json", "package.json"],
    [".github/workflows/ci.yml", ".github/workflows/ci.yml"],
  ])("%s is stored as %s", (raw, stored) => {
    expect(normalisePath(raw, "paths[0]")).toBe(stored);
  });

  it.each([
    ["", "empty"],
    ["/etc/passwd", "absolute"],
    ["C:/x", "absolute"],
    ["../outside", ".."],
    ["a/../../b", ".."],
    ["a\0b", "NUL"],
    ["src\\auth", "backslash"],
    ["./", "root"],
    [".", "root"],
    ["!src/**", "negated"],
    ["x".repeat(1025), "longer"],
  ])("%j is refused as INVALID_INPUT (%s)", async (raw, why) => {
    const error = await refused(() => normalisePath(raw, "paths[3]"));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.message).toContain("paths[3]");
    expect(error.message).toContain(why);
  });

  it("refuses a non-string, too many paths, and a non-array", async () => {
    expect((await refused(() => normalisePath(42, "paths[0]"))).code).toBe("INVALID_INPUT");
    expect((await refused(() => normalisePaths("src/a", "paths"))).code).toBe("INVALID_INPUT");
    const tooMany = Array.from({ length: MAX_PATHS + 1 }, (_, i) => `f${i}`);
    expect((await refused(() => normalisePaths(tooMany, "paths"))).message).toContain(`at most ${MAX_PATHS}`);
  });

  it("de-duplicates paths that name the same thing, keeping their order", () => {
    expect(normalisePaths(["b", "./a", "a", "b/"], "paths")).toEqual(["b", "a"]);
  });
});

describe("pathsOverlap", () => {
  it.each([
    ["src/a.ts", "src/a.ts"],
    ["src/auth", "src/auth/tokens.ts"],
    ["src", "src/auth/deep/x.ts"],
    ["src/auth/**", "src/auth/tokens.ts"],
    ["src/auth/**", "src/auth"],
    ["src/*", "src/auth/tokens.ts"],
    ["docs/*.md", "docs/intro.md"],
    ["**/*.md", "docs/deep/intro.md"],
    ["src/{a,b}/x.ts", "src/b/x.ts"],
    ["src/[ab].ts", "src/a.ts"],
    ["src/**/*.ts", "src"],
    ["src/auth/**", "src/auth/*.ts"],
    ["src/a*", "src/ab/**"],
    ["**", "package.json"],
    [".github/**", ".github/workflows/ci.yml"],
  ])("%s and %s overlap", (a, b) => {
    expect(pathsOverlap(a, b)).toBe(true);
    expect(pathsOverlap(b, a)).toBe(true);
  });

  it.each([
    ["src/a.ts", "src/b.ts"],
    ["src/auth", "src/authz"],
    ["src/auth/**", "src/authz/x.ts"],
    ["docs/*.md", "docs/deep/intro.md"],
    ["docs/*.md", "docs/logo.png"],
    ["src/auth/**", "test/**"],
    ["src/{a,b}/x.ts", "src/c/x.ts"],
    ["package.json", "package-lock.json"],
  ])("%s and %s do not", (a, b) => {
    expect(pathsOverlap(a, b)).toBe(false);
    expect(pathsOverlap(b, a)).toBe(false);
  });

  it("firstOverlap names the pair", () => {
    expect(firstOverlap(["README.md", "src/auth/**"], ["test/x.ts", "src/auth/tokens.ts"])).toEqual({ mine: "src/auth/**", theirs: "src/auth/tokens.ts" });
    expect(firstOverlap(["a"], ["b"])).toBeNull();
  });
});
