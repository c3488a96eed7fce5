// The chat server's options: every limit with its documented default (CHAT_DEFAULTS in the contract).
import { CHAT_DEFAULTS } from '../../../shared/contract/chat';
import type { FsyncPolicy } from '../common/append-log';

export interface ChatServerOptions {
  name: string;
  host: string;
  port: number;
  /** PEM pair: the server speaks TLS only when given. */
  tls?: { certPem: string; keyPem: string; fingerprint256: string };
  password?: string;
  /** Directory for the history log; undefined keeps history in memory only. */
  dataDir?: string;
  defaultRoom: string;
  maxFrameBytes: number;
  maxMessageChars: number;
  historyOnJoin: number;
  historyKeep: number;
  maxBatch: number;
  inboxKeep: number;
  maxClients: number;
  maxRooms: number;
  rateLimitPerSec: number;
  rateLimitBurst: number;
  floodDisconnectAfter: number;
  maxQueuedBytes: number;
  quietGapMs: number;
  helloTimeoutMs: number;
  plainDetectMs: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  maxFileBytes: number;
  fileChunkBytes: number;
  /** File offers one member may have open (offered or transferring) at once. */
  maxOpenTransfers: number;
  /** A history log larger than this at start-up is compacted to what the server keeps. */
  compactAboveBytes: number;
  /** Older history on disk: index entry every this many messages of a room... */
  historyIndexStride: number;
  /** ...or when the room's previous entry is this many log bytes back. */
  historyIndexBytes: number;
  /** Log bytes one older-history request reads at most. */
  historyScanBytes: number;
  /** Bytes per read() of such a scan. */
  historyReadChunkBytes: number;
  /** Older-history requests of one connection waiting for the disk; beyond, CHAT_RATE_LIMITED. */
  historyQueuedRequests: number;
}

export const CHAT_SERVER_DEFAULTS: Omit<ChatServerOptions, 'port' | 'name'> = {
  host: CHAT_DEFAULTS.hostBind,
  defaultRoom: CHAT_DEFAULTS.defaultRoom,
  maxFrameBytes: CHAT_DEFAULTS.maxFrameBytes,
  maxMessageChars: CHAT_DEFAULTS.maxMessageChars,
  historyOnJoin: CHAT_DEFAULTS.historyOnJoin,
  historyKeep: CHAT_DEFAULTS.historyKeep,
  maxBatch: CHAT_DEFAULTS.maxBatch,
  inboxKeep: CHAT_DEFAULTS.inboxKeep,
  maxClients: CHAT_DEFAULTS.maxClients,
  maxRooms: CHAT_DEFAULTS.maxRooms,
  rateLimitPerSec: CHAT_DEFAULTS.rateLimitPerSec,
  rateLimitBurst: CHAT_DEFAULTS.rateLimitBurst,
  floodDisconnectAfter: CHAT_DEFAULTS.floodDisconnectAfter,
  maxQueuedBytes: CHAT_DEFAULTS.maxQueuedBytes,
  quietGapMs: CHAT_DEFAULTS.quietGapMs,
  helloTimeoutMs: CHAT_DEFAULTS.helloTimeoutMs,
  plainDetectMs: CHAT_DEFAULTS.plainDetectMs,
  fsync: CHAT_DEFAULTS.fsync,
  fsyncIntervalMs: CHAT_DEFAULTS.fsyncIntervalMs,
  maxFileBytes: CHAT_DEFAULTS.maxFileBytes,
  fileChunkBytes: CHAT_DEFAULTS.fileChunkBytes,
  maxOpenTransfers: CHAT_DEFAULTS.maxOpenTransfers,
  compactAboveBytes: CHAT_DEFAULTS.compactAboveBytes,
  historyIndexStride: CHAT_DEFAULTS.historyIndexStride,
  historyIndexBytes: CHAT_DEFAULTS.historyIndexBytes,
  historyScanBytes: CHAT_DEFAULTS.historyScanBytes,
  historyReadChunkBytes: CHAT_DEFAULTS.historyReadChunkBytes,
  historyQueuedRequests: CHAT_DEFAULTS.historyQueuedRequests,
};
