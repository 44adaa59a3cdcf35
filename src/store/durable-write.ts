/**
 * Replace a file so that a reader sees the old or the new content, never a mix,
 * and a write that returned survives a power loss: write-file-atomic writes a temp
 * file, fsyncs it and renames it over; it does not fsync the directory, so the
 * rename itself could be lost. We do that here.
 */
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

export async function writeFileDurably(file: string, content: Buffer): Promise<void> {
  await writeFileAtomic(file, content, { fsync: true });
  await fsyncDirectory(dirname(file));
}

export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
