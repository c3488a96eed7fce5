// Streams a file the user picked in the page (input type=file or a drop) to the engines in bounded
// chunks (files.uploadBegin/Chunk/End), one chunk in flight at a time so memory stays at one chunk
// whatever the file's size. Resolves with the path the engines can read; a failure cancels the upload.
// A folder goes up the same way, file by file, into one folder on the engines' side.
import type { WirelabApi } from '../../shared/contract';
import { unwrap } from '../api';

/** Bytes per chunk the page sends (the engine accepts up to FILES_LIMITS.maxChunkBytes). */
export const UPLOAD_CHUNK_BYTES = 256 * 1024;

export interface UploadSource {
  name: string;
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export async function uploadFile(
  api: WirelabApi,
  file: UploadSource,
  onProgress?: (sent: number, size: number) => void,
  signal?: { cancelled: boolean },
): Promise<string> {
  return (await uploadOne(api, file, {}, onProgress, signal)).path;
}

async function uploadOne(
  api: WirelabApi,
  file: UploadSource,
  place: { group?: string; dir?: string },
  onProgress?: (sent: number, size: number) => void,
  signal?: { cancelled: boolean },
): Promise<{ uploadId: string; path: string; folder: string }> {
  const { uploadId, folder } = await unwrap(
    api.files.uploadBegin({
      name: file.name,
      size: file.size,
      ...(place.group ? { group: place.group } : {}),
      ...(place.dir ? { dir: place.dir } : {}),
    }),
  );
  try {
    let offset = 0;
    while (offset < file.size) {
      if (signal?.cancelled) throw new Error('upload cancelled');
      const data = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
      await unwrap(api.files.uploadChunk({ uploadId, offset, data }));
      offset += data.byteLength;
      onProgress?.(offset, file.size);
    }
    return { uploadId, folder, path: (await unwrap(api.files.uploadEnd({ uploadId }))).path };
  } catch (err) {
    await api.files.uploadCancel({ uploadId });
    throw err;
  }
}

/** A file of a folder the user picked or dropped, with its place in that folder ("css/site.css"). */
export interface FolderEntry {
  file: UploadSource;
  /** Path inside the picked folder, the folder's own name first (the browser's webkitRelativePath). */
  relativePath: string;
}

/**
 * Uploads a folder file by file into one folder of the engines' side (files.uploadBegin `group`), so a
 * tool that reads a folder (the mock server's static folder) gets one path. Resolves with that path.
 */
export async function uploadFolder(
  api: WirelabApi,
  entries: FolderEntry[],
  onProgress?: (sent: number, size: number) => void,
  signal?: { cancelled: boolean },
): Promise<string> {
  if (entries.length === 0) throw new Error('the folder is empty');
  const total = entries.reduce((n, e) => n + e.file.size, 0);
  let done = 0;
  let group: string | undefined;
  let folder = '';
  for (const { file, relativePath } of entries) {
    // The picked folder's own name is dropped: its contents are the folder the tool reads.
    const dir = relativePath.split('/').slice(1, -1).join('/');
    const r = await uploadOne(api, file, { group, dir }, (sent) => onProgress?.(done + sent, total), signal);
    group ??= r.uploadId;
    folder = r.folder;
    done += file.size;
  }
  return folder;
}
