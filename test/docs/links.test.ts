/**
 * The README and docs/ link to each other, to files of the repository and to headings:
 * every relative link must reach a file that exists, and every #anchor a heading of the
 * page it names, by GitHub's slugs, so a renamed heading or a moved file fails here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/paths.js";

const pages = ["README.md", ...readdirSync(join(repoRoot, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];

/** The lines outside fenced code blocks, where headings and links count. */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence === null) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: its text as rendered, lowercased, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/\*\*|\*/g, "");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a page, numbered as GitHub numbers repeated headings (-1, -2, ...). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The targets of the inline links and images of a page, code spans left out. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, "code");
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (match[1] !== undefined) targets.push(match[1]);
    }
  }
  return targets;
}

/** What is wrong with each relative link of a page, as "page: target: reason". */
function brokenLinks(page: string): string[] {
  const problems: string[] = [];
  const file = join(repoRoot, page);
  for (const target of linkTargets(readFileSync(file, "utf8"))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const hash = target.indexOf("#");
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const linked = path === "" ? file : resolve(dirname(file), path);
    const where = relative(repoRoot, linked);
    if (where.startsWith("..") || !existsSync(linked)) {
      problems.push(`${page}: ${target}: no such file in the repository`);
      continue;
    }
    if (anchor === null) continue;
    if (!linked.endsWith(".md")) {
      problems.push(`${page}: ${target}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchorsOf(readFileSync(linked, "utf8")).has(anchor)) {
      problems.push(`${page}: ${target}: no heading of ${where} has the anchor #${anchor}`);
    }
  }
  return problems;
}

describe("links in the README and docs/", () => {
  it("finds the pages and their links", () => {
    expect(pages).toContain("README.md");
    expect(pages.length).toBeGreaterThan(1);
    expect(linkTargets("see [a](docs/a.md#b), ![img](x.png) and `[not](a link)`\n```\n[nor](this)\n```")).toEqual(["docs/a.md#b", "x.png"]);
  });

  it("makes anchors as GitHub does", () => {
    expect(slug("Moving a workflow between stores: `export` and `import`")).toBe("moving-a-workflow-between-stores-export-and-import");
    expect(slug("2 and 4. Cost of one operation, and the floor")).toBe("2-and-4-cost-of-one-operation-and-the-floor");
    expect(slug("Leases — and heartbeats")).toBe("leases--and-heartbeats");
    expect(slug("task_defaults in [the docs](x.md)")).toBe("task_defaults-in-the-docs");
    expect([...anchorsOf("# A\n## A\n```\n# A\n```\n## A")]).toEqual(["a", "a-1", "a-2"]);
  });

  it.each(pages)("every relative link and anchor in %s resolves", (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});
