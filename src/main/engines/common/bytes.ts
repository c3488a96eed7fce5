// Turning received chunks into event payloads: only the first `max` bytes are copied — never a view
// that would pin the socket's whole chunk in memory — and the true length always travels along, so the
// UI can say "64 KiB received, 4 KiB shown".
import type { WireBytes } from '../../../shared/contract/tcp';

export function wireBytes(chunk: Uint8Array, max: number): WireBytes {
  const truncated = chunk.length > max;
  const data = new Uint8Array(truncated ? max : chunk.length);
  data.set(truncated ? chunk.subarray(0, max) : chunk);
  return { data, bytes: chunk.length, truncated };
}
