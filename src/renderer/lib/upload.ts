// Streams a file the user picked in the page (input type=file or a drop) to the engines in bounded
// chunks (files.uploadBegin/Chunk/End), one chunk in flight at a time so memory stays at one chunk
// whatever the file's size. Resolves with the path the engines can read; a failure cancels the upload.
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
  const { uploadId } = await unwrap(api.files.uploadBegin({ name: file.name, size: file.size }));
  try {
    let offset = 0;
    while (offset < file.size) {
      if (signal?.cancelled) throw new Error('upload cancelled');
      const data = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
      await unwrap(api.files.uploadChunk({ uploadId, offset, data }));
      offset += data.byteLength;
      onProgress?.(offset, file.size);
    }
    return (await unwrap(api.files.uploadEnd({ uploadId }))).path;
  } catch (err) {
    await api.files.uploadCancel({ uploadId });
    throw err;
  }
}
