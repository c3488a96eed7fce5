// A folder dropped on a picker arrives as one directory entry, not as a list of files (the browser's
// File and Directory Entries API): it is walked here into the same entries a folder chooser gives
// (`webkitRelativePath` style, the folder's own name first). The walk stops one file past the folder
// upload limit, so dropping a huge tree fails at once instead of reading all of it first.
// Structural types, not the DOM's, so the walk can be tested without a browser.
import type { FolderEntry, UploadSource } from './upload';

export interface DroppedEntry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
}
export interface DroppedFile extends DroppedEntry {
  file(ok: (file: UploadSource) => void, fail: (err: unknown) => void): void;
}
export interface DroppedDirectory extends DroppedEntry {
  createReader(): {
    readEntries(ok: (entries: DroppedEntry[]) => void, fail: (err: unknown) => void): void;
  };
}

const isDirectory = (e: DroppedEntry): e is DroppedDirectory => e.isDirectory;
const isFile = (e: DroppedEntry): e is DroppedFile => e.isFile;

/** All entries of a directory: readEntries answers in batches (100 in Chromium) until an empty one. */
async function children(dir: DroppedDirectory): Promise<DroppedEntry[]> {
  const reader = dir.createReader();
  const all: DroppedEntry[] = [];
  for (;;) {
    const batch = await new Promise<DroppedEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/**
 * The files under a dropped folder, depth first, each with its path from the folder's own name.
 * Throws when the folder holds more than `maxFiles` files (the folder upload limit) or none at all.
 */
export async function readDroppedFolder(root: DroppedDirectory, maxFiles: number): Promise<FolderEntry[]> {
  const out: FolderEntry[] = [];
  const walk = async (dir: DroppedDirectory, prefix: string): Promise<void> => {
    for (const entry of await children(dir)) {
      const path = `${prefix}/${entry.name}`;
      if (isDirectory(entry)) await walk(entry, path);
      else if (isFile(entry)) {
        if (out.length === maxFiles)
          throw new Error(`${root.name} holds more than ${maxFiles} files, the most one folder may have`);
        const file = await new Promise<UploadSource>((ok, fail) => entry.file(ok, fail));
        out.push({ file, relativePath: path });
      }
    }
  };
  await walk(root, root.name);
  if (out.length === 0) throw new Error(`${root.name} holds no files`);
  return out;
}

/** The directory entry of a drop, when what was dropped is one folder. */
export function droppedDirectory(e: DragEvent): DroppedDirectory | undefined {
  const entry = e.dataTransfer?.items?.[0]?.webkitGetAsEntry() as DroppedEntry | null | undefined;
  return entry && isDirectory(entry) ? entry : undefined;
}
