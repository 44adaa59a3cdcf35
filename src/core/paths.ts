/**
 * The repository paths a task touches or a reservation holds: names only, never looked up
 * on disk. Overlap is conservative, since a false conflict costs a wait and a missed one
 * costs two agents editing one file: equal names, a directory and what lies under it, a
 * glob and a path it matches (or a directory above it), two globs whose literal starts agree.
 */
import picomatch from "picomatch";
import { InvalidInputError } from "./errors.js";

/** Paths one task or one reservation call may name. */
export const MAX_PATHS = 100;
/** Characters in one path. */
export const MAX_PATH_LENGTH = 1024;

/** The path as it is stored and compared: `./a//b/` is `a/b`. Refuses what is not a repository-relative name. */
export function normalisePath(raw: unknown, field: string): string {
  if (typeof raw !== "string") throw new InvalidInputError(`${field} must be a string, a path relative to the repository.`);
  const refuse = (why: string): never => {
    throw new InvalidInputError(`${field} ${JSON.stringify(raw.slice(0, 200))} ${why}`);
  };
  if (raw.length === 0) refuse("is empty: name a file, a directory or a glob relative to the repository.");
  if (raw.length > MAX_PATH_LENGTH) refuse(`is longer than ${MAX_PATH_LENGTH} characters.`);
  if (raw.includes("\0")) refuse("contains a NUL character.");
  if (raw.includes("\\")) refuse("contains a backslash: separate directories with /.");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) refuse("is absolute: give it relative to the repository's root.");
  if (raw.startsWith("!")) refuse("is negated: name what the task touches, not what it leaves alone.");
  // One name, one spelling: macOS hands out decomposed names (e\u0301) where people type composed ones (\u00e9).
  const segments = raw.normalize("NFC").split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) refuse("has a .. segment: give it relative to the repository's root, without leaving it.");
  if (segments.length === 0) refuse("names the repository's root: use ** to mean all of it.");
  return segments.join("/");
}

/** The normalised, de-duplicated paths of a request's `field`, in their first order. */
export function normalisePaths(raw: unknown, field: string): string[] {
  if (!Array.isArray(raw)) throw new InvalidInputError(`${field} must be an array of paths relative to the repository.`);
  if (raw.length > MAX_PATHS) throw new InvalidInputError(`${field} names ${raw.length} paths; at most ${MAX_PATHS} are allowed (use a glob such as src/auth/**).`);
  const paths = raw.map((path, index) => normalisePath(path, `${field}[${index}]`));
  return [...new Set(paths)];
}

interface Parsed {
  path: string;
  isGlob: boolean;
  /** The characters before the first wildcard: every match starts with them. */
  literalStart: string;
  matches: (candidate: string) => boolean;
}

const parsed = new Map<string, Parsed>();
/** Parsed globs are kept, since a claim compares the same few paths again and again; bounded so odd input cannot grow it. */
const PARSED_LIMIT = 10_000;

/**
 * A path as it is compared. Paths are normalised when a request names them, but a state file
 * edited by hand, or written by another tool and imported, may hold `./src//a.ts/`, which must
 * still overlap `src/a.ts`. So every path is read as normalisePath would have stored it; what
 * normalisePath refuses is read the widest way it can mean: `\` as `/`, a leading `/` as the
 * root, and a `..` above the root, or nothing at all, as the whole repository.
 */
function comparableForm(raw: string): string {
  const segments: string[] = [];
  for (const segment of raw.normalize("NFC").replaceAll("\\", "/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") segments.push(segment);
    else if (segments.pop() === undefined) return "**";
  }
  return segments.length === 0 ? "**" : segments.join("/");
}

function parse(raw: string): Parsed {
  let entry = parsed.get(raw);
  if (entry !== undefined) return entry;
  const path = comparableForm(raw);
  const scan = picomatch.scan(path);
  const firstWildcard = path.search(/[*?[\]{}()!+@]/);
  entry = scan.isGlob
    ? {
        path,
        isGlob: true,
        // picomatch reads a | outside any group as "either side" (a|b/*.ts matches b/x.ts): no start is common then.
        literalStart: hasTopLevelBar(path) ? "" : firstWildcard < 0 ? path : path.slice(0, firstWildcard),
        matches: lazyGlobMatcher(path),
      }
    : { path, isGlob: false, literalStart: path, matches: (candidate) => candidate === path };
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(raw, entry);
  return entry;
}

/** Whether a | stands outside every (), [] and {}, where picomatch takes it for an alternative of the whole glob. */
function hasTopLevelBar(path: string): boolean {
  let depth = 0;
  for (const character of path) {
    if (character === "(" || character === "[" || character === "{") depth += 1;
    else if ((character === ")" || character === "]" || character === "}") && depth > 0) depth -= 1;
    else if (character === "|" && depth === 0) return true;
  }
  return false;
}

/** Compiled when first asked: most comparisons are settled by literal starts, and compiling costs more than the rest. */
function lazyGlobMatcher(path: string): (candidate: string) => boolean {
  let compiled: ((candidate: string) => boolean) | undefined;
  return (candidate) => (compiled ??= globMatcher(path))(candidate);
}

/**
 * picomatch reads `[!b]` as "! or b", where shells and .gitignore read it as "not b" (picomatch's
 * own is `[^b]`): a path matches if either reading matches it, so neither meaning is missed.
 */
function globMatcher(path: string): (candidate: string) => boolean {
  const asWritten = picomatch(path, { dot: true });
  if (!path.includes("[!")) return asWritten;
  const negated = picomatch(path.replaceAll("[!", "[^"), { dot: true });
  return (candidate) => asWritten(candidate) || negated(candidate);
}

/**
 * The characters every path `path` names starts with: itself when it is no glob. Two paths
 * overlap only if one's literal start begins with the other's, which lets a caller comparing
 * many paths look only at those (core/path-holds.ts).
 */
export function literalStartOf(path: string): string {
  return parse(path).literalStart;
}

/** `path` and every directory above it: `a/b/c` gives `a/b/c`, `a/b`, `a`. */
function selfAndAncestors(path: string): string[] {
  const out = [path];
  for (let slash = path.lastIndexOf("/"); slash > 0; slash = path.lastIndexOf("/", slash - 1)) out.push(path.slice(0, slash));
  return out;
}

function isUnder(path: string, directory: string): boolean {
  return path.startsWith(`${directory}/`);
}

/** Whether work on `a` may touch a file that work on `b` touches. Symmetric. */
export function pathsOverlap(a: string, b: string): boolean {
  const pa = parse(a);
  const pb = parse(b);
  if (pa.path === pb.path || isUnder(pa.path, pb.path) || isUnder(pb.path, pa.path)) return true;
  if (pa.isGlob && pb.isGlob) return pa.literalStart.startsWith(pb.literalStart) || pb.literalStart.startsWith(pa.literalStart);
  if (!pa.isGlob && !pb.isGlob) return false;
  const [glob, plain] = pa.isGlob ? [pa, pb] : [pb, pa];
  // A glob overlaps a directory it lies under, or a path it matches or a directory above it:
  // every match starts with the glob's literal start, so most pairs are told apart by that alone.
  if (glob.literalStart.startsWith(`${plain.path}/`)) return true;
  if (!plain.path.startsWith(glob.literalStart)) return false;
  return selfAndAncestors(plain.path).some((candidate) => glob.matches(candidate)) || mayMatchUnder(glob, plain.path);
}

/**
 * Whether `glob` may match a path under the directory `directory` (a glob of `tokens.ts` in any
 * directory of `src` and `src/auth`, or of `x.ts` at any depth and `src`), walking the glob's segments against the directory's.
 * A glob whose braces, extglobs or classes span a `/` is not split: for it a literal start that
 * agrees with the directory's is taken as an overlap.
 */
function mayMatchUnder(glob: Parsed, directory: string): boolean {
  if (!`${directory}/`.startsWith(glob.literalStart)) return false;
  const patterns = glob.path.split("/");
  if (!patterns.every(isBalanced) || hasTopLevelBar(glob.path)) return true;
  const names = directory.split("/");
  const seen = new Map<number, boolean>();
  const walk = (pi: number, ni: number): boolean => {
    // The directory is used up: a segment left over matches what lies under it.
    if (ni === names.length) return pi < patterns.length;
    if (pi === patterns.length) return false;
    const key = pi * (names.length + 1) + ni;
    const known = seen.get(key);
    if (known !== undefined) return known;
    const pattern = patterns[pi] as string;
    const name = names[ni] as string;
    const result = pattern.includes("**")
      ? walk(pi + 1, ni) || walk(pi, ni + 1)
      : (pattern.startsWith("!") || parse(pattern).matches(name)) && walk(pi + 1, ni + 1);
    seen.set(key, result);
    return result;
  };
  return walk(0, 0);
}

/** Whether a segment's braces, parentheses and brackets close within it, so it may be matched alone. */
function isBalanced(segment: string): boolean {
  const count = (character: string) => segment.split(character).length - 1;
  return count("{") === count("}") && count("(") === count(")") && count("[") === count("]");
}

/** The first pair (one of `mine`, one of `theirs`) that overlaps, or null. */
export function firstOverlap(mine: readonly string[], theirs: readonly string[]): { mine: string; theirs: string } | null {
  for (const a of mine) {
    for (const b of theirs) if (pathsOverlap(a, b)) return { mine: a, theirs: b };
  }
  return null;
}
