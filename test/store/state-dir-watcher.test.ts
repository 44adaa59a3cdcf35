/**
 * The state directory watcher over real files: what it reports, what it ignores, the
 * re-check that works without fs.watch, a directory that appears later, sharing.
 */
import { mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { afterEach, describe, expect, it } from "vitest";
import {
  StateDirWatcher,
  watchedDirectoryCount,
  watchStateDirectory,
  type StateFileChange,
} from "../../src/store/json/state-dir-watcher.js";
import { EventLog } from "../helpers/events.js";
import { tempDir } from "../helpers/temp-dir.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function watcher(dir: string, options: ConstructorParameters<typeof StateDirWatcher>[1] = {}) {
  const log = new EventLog<StateFileChange>();
  const instance = new StateDirWatcher(dir, options);
  instance.subscribe(log.push);
  cleanups.push(() => instance.close());
  return { log, instance };
}

const is = (file: string, kind: StateFileChange["kind"]) => (change: StateFileChange) => change.file === file && change.kind === kind;

/** Writes alpha.json as the store does, rewrites it, deletes it; each step must be reported. */
async function expectCreatedChangedDeleted(dir: string, log: EventLog<StateFileChange>): Promise<void> {
  await writeFileAtomic(join(dir, "alpha.json"), "{}");
  await log.waitFor(is("alpha.json", "created"));
  const mark = log.mark;
  await writeFileAtomic(join(dir, "alpha.json"), '{"a":1}');
  await log.waitFor(is("alpha.json", "changed"), undefined, mark);
  await unlink(join(dir, "alpha.json"));
  await log.waitFor(is("alpha.json", "deleted"));
}

describe("StateDirWatcher", () => {
  it("reports a state file created, replaced (as the store writes it) and deleted", async () => {
    const dir = await tempDir();
    const { log, instance } = watcher(dir);
    await instance.idle();
    await expectCreatedChangedDeleted(dir, log);
  });

  it("ignores temp files, locks and other files", async () => {
    const dir = await tempDir();
    const { log, instance } = watcher(dir);
    await instance.idle();
    await writeFile(join(dir, "alpha.json.123456"), "temp");
    await mkdir(join(dir, "alpha.json.lock"));
    await writeFile(join(dir, "notes.txt"), "x");
    // Events are handled in order: once the fence is reported, the others would have been too.
    await writeFile(join(dir, "fence.json"), "{}");
    await log.waitFor(is("fence.json", "created"));
    // (A plain writeFile shows as created, then changed: several events for one file are allowed.)
    expect(new Set(log.events.map((change) => change.file))).toEqual(new Set(["fence.json"]));
  });

  it("finds changes by its re-check alone, as on a file system without events", async () => {
    const dir = await tempDir();
    const { log, instance } = watcher(dir, { fsWatch: false, recheckMs: 100 });
    await instance.idle();
    await expectCreatedChangedDeleted(dir, log);
  });

  it("sees a directory that does not exist yet when it is created, without waiting for the re-check", async () => {
    const root = await tempDir();
    const dir = join(root, "a", "b", "state");
    const { log, instance } = watcher(dir, { recheckMs: 3_600_000 });
    await instance.idle();
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, "alpha.json"), "{}");
    await log.waitFor(is("alpha.json", "created"));
  });

  it("keeps reporting after the directory was removed and made anew", async () => {
    const root = await tempDir();
    const dir = join(root, "state");
    await mkdir(dir);
    const { log, instance } = watcher(dir, { recheckMs: 100 });
    await instance.idle();
    await rm(dir, { recursive: true });
    await mkdir(dir);
    await instance.idle();
    await writeFileAtomic(join(dir, "alpha.json"), "{}");
    await log.waitFor(is("alpha.json", "created"));
  });
});

describe("watchStateDirectory", () => {
  it("shares one watcher per directory and closes it with its last listener", async () => {
    const dir = await tempDir();
    const before = watchedDirectoryCount();
    const first = new EventLog<StateFileChange>();
    const second = new EventLog<StateFileChange>();
    const stopFirst = watchStateDirectory(dir, first.push);
    const stopSecond = watchStateDirectory(join(dir, "."), second.push);
    expect(watchedDirectoryCount()).toBe(before + 1);

    await writeFileAtomic(join(dir, "alpha.json"), "{}");
    await first.waitFor(is("alpha.json", "created"));
    await second.waitFor(is("alpha.json", "created"));

    stopFirst();
    stopFirst(); // twice is harmless
    expect(watchedDirectoryCount()).toBe(before + 1);
    await writeFileAtomic(join(dir, "beta.json"), "{}");
    await second.waitFor(is("beta.json", "created"));
    expect(first.events.some((change) => change.file === "beta.json")).toBe(false);

    stopSecond();
    expect(watchedDirectoryCount()).toBe(before);
  });
});
