import { chmod, lstat, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replaceFileDurably } from "../../../src/store/json/durable-write.js";
import { tempDir } from "../../helpers/temp-dir.js";

async function replace(file: string, content: string, beforeRename?: () => void): Promise<void> {
  expect(await replaceFileDurably(file, Buffer.from(content), beforeRename)).toBe(true);
}

describe("replaceFileDurably", () => {
  it("replaces the content, keeps the mode someone gave the file, and leaves nothing beside it", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await replace(file, "first\n");
    expect(await readFile(file, "utf8")).toBe("first\n");

    await chmod(file, 0o640);
    for (let i = 0; i < 5; i++) await replace(file, `write ${i}\n`.repeat(1000));
    expect(await readFile(file, "utf8")).toBe("write 4\n".repeat(1000));
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("commits nothing when beforeRename throws", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, "kept\n");
    const lost = () => {
      throw new Error("lock lost");
    };
    await expect(replace(file, "lost\n", lost)).rejects.toThrow("lock lost");
    expect(await readFile(file, "utf8")).toBe("kept\n");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("fails without touching the file when the temp file cannot be made", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, "kept\n");
    await expect(replace(join(dir, "missing", "state.json"), "x")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readFile(file, "utf8")).toBe("kept\n");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("replaces a symbolic link at the file's path instead of writing through it", async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), "precious.txt");
    await writeFile(outside, "not yours\n");
    const file = join(dir, "state.json");
    await symlink(outside, file);
    await replace(file, "state\n");
    expect(await readFile(outside, "utf8")).toBe("not yours\n");
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readFile(file, "utf8")).toBe("state\n");
  });
});
