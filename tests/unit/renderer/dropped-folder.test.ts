// A folder dropped on a picker is walked into the entries a folder chooser gives: nested paths from the
// folder's own name, every readEntries batch read, and the folder limit enforced during the walk.
import { describe, expect, it } from 'vitest';
import {
  readDroppedFolder,
  type DroppedDirectory,
  type DroppedEntry,
  type DroppedFile,
} from '../../../src/renderer/lib/dropped-folder';
import type { UploadSource } from '../../../src/renderer/lib/upload';

function file(name: string, size = 1): DroppedFile & { opened: () => number } {
  let opened = 0;
  const source: UploadSource = {
    name,
    size,
    slice: () => ({ arrayBuffer: async () => new ArrayBuffer(0) }),
  };
  return {
    isFile: true,
    isDirectory: false,
    name,
    file: (ok) => {
      opened++;
      ok(source);
    },
    opened: () => opened,
  };
}

/** A directory whose reader answers in batches of `batch` entries, as Chromium does with 100. */
function dir(name: string, entries: DroppedEntry[], batch = 2): DroppedDirectory {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok) => {
          const next = entries.slice(at, at + batch);
          at += next.length;
          queueMicrotask(() => ok(next));
        },
      };
    },
  };
}

describe('readDroppedFolder', () => {
  it('walks nested folders and every batch of a reader, paths from the folder name', async () => {
    const root = dir('site', [
      file('index.html', 10),
      dir('css', [file('a.css'), file('b.css'), file('c.css')]),
      file('robots.txt'),
      dir('empty', []),
    ]);
    const out = await readDroppedFolder(root, 100);
    expect(out.map((e) => e.relativePath)).toEqual([
      'site/index.html',
      'site/css/a.css',
      'site/css/b.css',
      'site/css/c.css',
      'site/robots.txt',
    ]);
    expect(out[0]!.file.size).toBe(10);
  });

  it('stops one file past the limit without opening the rest', async () => {
    const files = Array.from({ length: 10 }, (_, i) => file(`f${i}`));
    await expect(readDroppedFolder(dir('big', files), 3)).rejects.toThrow(/more than 3 files/);
    expect(files.filter((f) => f.opened() > 0)).toHaveLength(3);
  });

  it('an empty folder is refused', async () => {
    await expect(readDroppedFolder(dir('nothing', [dir('inner', [])]), 10)).rejects.toThrow(/no files/);
  });

  it('a reader error fails the walk', async () => {
    const broken: DroppedDirectory = {
      isFile: false,
      isDirectory: true,
      name: 'broken',
      createReader: () => ({ readEntries: (_ok, fail) => fail(new Error('NotReadableError')) }),
    };
    await expect(readDroppedFolder(broken, 10)).rejects.toThrow('NotReadableError');
  });
});
