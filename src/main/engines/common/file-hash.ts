// SHA-256 of a file on disk, streamed (never the whole file in memory): what both file transfers — the
// room chat's and the messenger's — offer and verify against.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
