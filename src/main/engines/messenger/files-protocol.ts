// The file frames of the messenger's peer protocol (docs/chat-protocol.md, "Messenger files"). They travel
// on the link two instances already share, between the frames of their conversations; protocol.ts adds
// them to its frame union. The receiver drives: `file.accept` names the offset it already has, so a
// dropped link or a restart of either side goes on from there.
import { z } from 'zod';

const fileId = z.string().regex(/^f-[0-9a-f]{16}$/);
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const FILE_FRAMES = [
  /** Sender: "here is a file" — sent again on every new link while unfinished (the receiver answers
   *  with where it stands: accept from its offset, done, or cancel). */
  z.object({
    t: z.literal('file.offer'),
    fileId,
    name: z.string().min(1).max(255),
    size: offset,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  /** Receiver: send from `offset` (0, or what it already holds). */
  z.object({ t: z.literal('file.accept'), fileId, offset }),
  /** Sender: file bytes at `offset`, base64 (at most fileChunkBytes raw). */
  z.object({ t: z.literal('file.chunk'), fileId, offset, data: z.string() }),
  /** Receiver: everything before `offset` is written. */
  z.object({ t: z.literal('file.ack'), fileId, offset }),
  /** Receiver: complete; `ok`: the SHA-256 matched and the file is in place. */
  z.object({ t: z.literal('file.done'), fileId, ok: z.boolean() }),
  /** Either side: stop (declined, cancelled, refused with `code`, e.g. MESSENGER_FILE_TOO_LARGE). */
  z.object({
    t: z.literal('file.cancel'),
    fileId,
    code: z.string().max(64).optional(),
    reason: z.string().max(300).optional(),
  }),
] as const;

export type FileFrame = z.infer<(typeof FILE_FRAMES)[number]>;

export function isFileFrame(f: { t: string }): f is FileFrame {
  return f.t.startsWith('file.');
}
