import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileDurably } from "../../src/store/durable-write.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("writeFileDurably", () => {
  it("replaces the content, keeps the mode someone gave the file, and leaves nothing beside it", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFileDurably(file, Buffer.from("first\n"));
    expect(await readFile(file, "utf8")).toBe("first\n");

    await chmod(file, 0o640);
    for (let i = 0; i < 5; i++) await writeFileDurably(file, Buffer.from(`write ${i}\n`.repeat(1000)));
    expect(await readFile(file, "utf8")).toBe("write 4\n".repeat(1000));
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("runs afterRename with the new content in place, and fails the call, content kept, if it throws", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, "old\n");
    let seen = "";
    await writeFileDurably(file, Buffer.from("new\n"), { afterRename: async () => void (seen = await readFile(file, "utf8")) });
    expect(seen).toBe("new\n");
    await expect(writeFileDurably(file, Buffer.from("newer\n"), { afterRename: async () => Promise.reject(new Error("release failed")) })).rejects.toThrow("release failed");
    expect(await readFile(file, "utf8")).toBe("newer\n"); // committed: the rename came first
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("commits nothing when beforeRename throws", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, "kept\n");
    let after = false;
    const hooks = { beforeRename: async () => Promise.reject(new Error("lock lost")), afterRename: async () => void (after = true) };
    await expect(writeFileDurably(file, Buffer.from("lost\n"), hooks)).rejects.toThrow("lock lost");
    expect(await readFile(file, "utf8")).toBe("kept\n");
    expect(after).toBe(false);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("fails without touching the file when the temp file cannot be made", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, "kept\n");
    await expect(writeFileDurably(join(dir, "missing", "state.json"), Buffer.from("x"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readFile(file, "utf8")).toBe("kept\n");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });
});
