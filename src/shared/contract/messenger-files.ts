// File transfer in direct messenger conversations, peer to peer over the link the two instances already
// share (docs/chat-protocol.md, "Messenger files"). Part of the messenger contract (channels
// `messenger.file*`, event `file`); kept in its own file so the messenger contract stays readable.
//
// Channels:
//   fileOffer    offer a file (a path the engines can read) in a direct conversation; the SHA-256 is
//                computed first; the offer waits (across restarts) until the peer is reachable
//   fileAccept   accept an offer, saving to `saveAs` (the data goes to `<saveAs>.part` until verified)
//   fileDecline  decline an offer (the sender sees MESSENGER_FILE_DECLINED)
//   fileCancel   stop a transfer from either side (the `.part` of the receiver is removed)
//   files        the transfers (optionally of one conversation), kept across restarts
import { z } from 'zod';
import { coded, method } from './define';

/** Documented defaults of messenger file transfer (docs/chat-protocol.md, "Limits"). */
export const MESSENGER_FILE_DEFAULTS = {
  /** Largest file this instance offers or accepts (4 GiB); larger offers are refused before any chunk. */
  maxFileBytes: 4 * 1024 * 1024 * 1024,
  /** Raw bytes per chunk; base64 in a frame, which must stay under maxFrameBytes (64 KiB). */
  fileChunkBytes: 32 * 1024,
  /** Chunks the sender may have written before the receiver acknowledges them. */
  fileWindowChunks: 16,
  /** Unfinished transfers with one peer at once (offers waiting included); more are refused. */
  maxOpenTransfers: 32,
  /** Transfers remembered (finished ones are forgotten oldest first beyond this). */
  maxKeptTransfers: 200,
  /** Progress events at most this often per transfer (state changes are reported at once). */
  fileProgressMs: 100,
} as const;

const FILE_ID_RE = /^f-[0-9a-f]{16}$/;

export const fileTransferId = () =>
  z.string().regex(FILE_ID_RE, coded('MESSENGER_FILE_UNKNOWN', 'not a file transfer id'));

export const MessengerFileState = z.enum([
  'offered',
  'transferring',
  'done',
  'declined',
  'cancelled',
  'failed',
]);
export type MessengerFileState = z.infer<typeof MessengerFileState>;

export const MessengerFileTransfer = z.object({
  fileId: z.string(),
  conversation: z.string(),
  /** The other side's instance id and nickname. */
  peer: z.string(),
  peerNick: z.string(),
  direction: z.enum(['send', 'receive']),
  name: z.string(),
  size: z.number(),
  sha256: z.string(),
  /** Bytes the receiver has written (acknowledged, on the sending side). */
  transferred: z.number(),
  state: MessengerFileState,
  /** Receiving side: where the file goes (and, once done, where it is). */
  savedTo: z.string().optional(),
  /** Sending side: the file read. */
  path: z.string().optional(),
  /** The offset the latest (re)start went on from, when it was not 0 (a resumed transfer). */
  resumedFrom: z.number().optional(),
  /** Bytes per second over the current run (0 when not moving). */
  rate: z.number(),
  /** The peer is connected now (an unfinished transfer goes on when it is). */
  connected: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type MessengerFileTransfer = z.infer<typeof MessengerFileTransfer>;

const fileRef = { fileId: fileTransferId() };
const conversation = z
  .string()
  .regex(/^dm:[0-9a-f]{16}:[0-9a-f]{16}$/, coded('INVALID_INPUT', 'files go in direct conversations'));

export const messengerFileMethods = {
  fileOffer: method(
    z.object({ conversation, path: z.string().min(1).max(4096) }).strict(),
    MessengerFileTransfer,
  ),
  fileAccept: method(
    z.object({ ...fileRef, saveAs: z.string().min(1).max(4096) }).strict(),
    MessengerFileTransfer,
  ),
  fileDecline: method(z.object(fileRef).strict(), MessengerFileTransfer),
  fileCancel: method(z.object(fileRef).strict(), MessengerFileTransfer),
  files: method(
    z.object({ conversation: conversation.optional() }).strict().default({}),
    z.object({ transfers: z.array(MessengerFileTransfer) }),
  ),
};
