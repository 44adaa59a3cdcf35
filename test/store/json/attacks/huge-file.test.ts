// ATTACK: a state file too big for a JavaScript string (over 512 MiB) or a Buffer (over
// 4 GiB), here sparse files of zero bytes (not JSON): STATE_FILE_CORRUPT, saying why, and
// left as it is (never a file system error with Node's internal error code).
import { stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TaskManager } from "../../../../src/index.js";
import { tempDir } from "../../../helpers/temp-dir.js";

describe("ATTACK: state files too big to read", () => {
  it.each([540e6, 5e9])("a sparse file of %d zero bytes is STATE_FILE_CORRUPT, not a file system error, and is left as it is", async (size) => {
    const stateFile = join(await tempDir(), "wf.json");
    await writeFile(stateFile, "");
    await truncate(stateFile, size);
    const tm = new TaskManager({ stateFile, lockTimeout: 0 });
    const error = await tm.createTask({ type: "t" }).then(() => null, (caught: unknown) => caught as { code: string; message: string });
    expect(error?.message).not.toMatch(/ERR_/);
    expect(error?.code).toBe("STATE_FILE_CORRUPT");
    expect((await stat(stateFile)).size).toBe(size);
  }, 30_000);
});
