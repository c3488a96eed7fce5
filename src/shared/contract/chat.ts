// LAN chat contract: hosting chat servers, joining them as a client, discovery of servers on the LAN and
// file transfer between members. The wire protocol between chat clients and servers is a separate thing
// (docs/chat-protocol.md, src/main/engines/chat/protocol.ts); this file is what the UI and CLI call.
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, port, sessionId } from './common';

/** Documented defaults of the chat engine (docs/chat.md). Every limit is an option with this default. */
export const CHAT_DEFAULTS = {
  /** Chat servers are meant for the LAN, so they listen on every interface unless told otherwise. */
  hostBind: '0.0.0.0',
  defaultRoom: 'lobby',
  /** Largest protocol frame (one JSON line including its newline), enforced while scanning for the newline. */
  maxFrameBytes: 64 * 1024,
  /** Longest message text, in UTF-16 code units (what the UI counts). */
  maxMessageChars: 8 * 1024,
  /** Messages of a room sent to a member when it joins without asking for a resume point. */
  historyOnJoin: 50,
  /** Messages per room kept in memory for catch-up (older ones stay on disk only). */
  historyKeep: 5000,
  /** Messages returned by one history / catch-up request at most; the client asks again for more. */
  maxBatch: 500,
  /** "Load earlier messages": messages per page the UI asks for (olderMessages `limit` default). */
  olderPage: 100,
  /** Server log index for older history: an entry (seq → byte offset) every this many messages of a room, */
  historyIndexStride: 128,
  /** or sooner when the room's previous entry is this many log bytes back (bounds one stretch to scan). */
  historyIndexBytes: 1024 * 1024,
  /** Log bytes one older-history request reads at most before it answers with what it found. */
  historyScanBytes: 16 * 1024 * 1024,
  /** Bytes per read() while scanning the server log for older history. */
  historyReadChunkBytes: 256 * 1024,
  /** Older-history requests of one connection waiting for the disk; more are refused (CHAT_RATE_LIMITED). */
  historyQueuedRequests: 4,
  /** Private messages kept per member for offline delivery. */
  inboxKeep: 1000,
  maxClients: 1000,
  maxRooms: 200,
  maxNickChars: 32,
  maxRoomChars: 64,
  /** Token bucket per connection: frames per second and burst. File chunks are exempt (backpressure paces them). */
  rateLimitPerSec: 20,
  rateLimitBurst: 60,
  /** Frames refused in a row for the rate limit before the connection is closed. */
  floodDisconnectAfter: 200,
  /** A receiver whose unsent output exceeds this is disconnected (it reconnects and catches up by sequence). */
  maxQueuedBytes: 4 * 1024 * 1024,
  /** Plain text clients: a message without newline ends after this much silence. */
  quietGapMs: 50,
  /** Time a connection that started a frame ("{") may take to finish its hello before it is closed. */
  helloTimeoutMs: 10_000,
  /** A connection silent this long after connecting is a plain text client (protocol clients say hello at once). */
  plainDetectMs: 300,
  /** 'batch': acks after the OS has the bytes (survives a killed process), fsync every fsyncIntervalMs. */
  fsync: 'batch' as 'batch' | 'always' | 'never',
  fsyncIntervalMs: 200,
  /** A server history log larger than this at start-up is compacted to what the server keeps (64 MiB). */
  compactAboveBytes: 64 * 1024 * 1024,
  /** Largest file offered through a server. */
  maxFileBytes: 2 * 1024 * 1024 * 1024,
  fileChunkBytes: 16 * 1024,
  /** File offers one member may have open at once on a server. */
  maxOpenTransfers: 20,
  /** Chunks a sender may have in flight before the receiver acknowledges. */
  fileWindowChunks: 16,
  reconnectMinMs: 200,
  reconnectMaxMs: 10_000,
  /** Client keepalive: a ping after this much silence; no answer within two intervals → reconnect. */
  pingIntervalMs: 15_000,
  /** Messages per conversation a client keeps in memory (all stay in its log on disk). */
  clientKeep: 5000,
  connectTimeoutMs: 10_000,
  /** A client request answered by the server (older history) fails with TIMEOUT after this long. */
  requestTimeoutMs: 10_000,
  /** Discovery: service type announced and browsed with DNS-SD over mDNS. */
  serviceType: 'wirelab-chat',
} as const;

const NICK_RE = /^[\p{L}\p{N}_.-]+$/u;
const ROOM_RE = /^[\p{L}\p{N}_.\-#]+$/u;

export const nick = () =>
  z
    .string()
    .trim()
    .min(1, coded('CHAT_NICK_INVALID', 'nickname is empty'))
    .max(
      CHAT_DEFAULTS.maxNickChars,
      coded('CHAT_NICK_INVALID', `nickname is longer than ${CHAT_DEFAULTS.maxNickChars}`),
    )
    .regex(NICK_RE, coded('CHAT_NICK_INVALID', 'use letters, digits, _ . - only'));

export const roomName = () =>
  z
    .string()
    .trim()
    .min(1, coded('CHAT_ROOM_INVALID', 'room name is empty'))
    .max(
      CHAT_DEFAULTS.maxRoomChars,
      coded('CHAT_ROOM_INVALID', `room name is longer than ${CHAT_DEFAULTS.maxRoomChars}`),
    )
    .regex(ROOM_RE, coded('CHAT_ROOM_INVALID', 'use letters, digits, _ . - # only'));

export const messageText = () =>
  z
    .string()
    .min(1, coded('INVALID_INPUT', 'message is empty'))
    .max(
      CHAT_DEFAULTS.maxMessageChars,
      coded('LIMIT_EXCEEDED', `message is longer than ${CHAT_DEFAULTS.maxMessageChars} characters`),
    );

export const HostStartInput = z
  .object({
    name: z.string().trim().min(1).max(63).optional(),
    host: host().default(CHAT_DEFAULTS.hostBind),
    port: port(),
    tls: z.boolean().default(false),
    password: z.string().min(1).max(256).optional(),
    /** Announce on the LAN (default yes). Never when the instance runs with discovery off. */
    discovery: z.boolean().optional(),
    /** Interface name or IPv4 address to announce on (default: the instance's choice, else all). */
    interface: z.string().min(1).max(64).optional(),
    maxClients: z.number().int().min(1).max(100_000).default(CHAT_DEFAULTS.maxClients),
    historyOnJoin: z.number().int().min(0).max(CHAT_DEFAULTS.maxBatch).default(CHAT_DEFAULTS.historyOnJoin),
    rateLimitPerSec: z.number().int().min(1).max(100_000).default(CHAT_DEFAULTS.rateLimitPerSec),
    maxFileBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(CHAT_DEFAULTS.maxFileBytes),
  })
  .strict();

export const HostClient = z.object({
  clientId: z.string(),
  nick: z.string(),
  address: z.string(),
  plain: z.boolean(),
  rooms: z.array(z.string()),
  connectedAt: z.number(),
});
export type HostClient = z.infer<typeof HostClient>;

export const RoomSummary = z.object({ name: z.string(), members: z.number(), lastSeq: z.number() });
export type RoomSummary = z.infer<typeof RoomSummary>;

export const HostInfo = z.object({
  session: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  tls: z.boolean(),
  fingerprint: z.string().optional(),
  passwordProtected: z.boolean(),
  discovery: z.boolean(),
  state: z.enum(['listening', 'stopped']),
  startedAt: z.number(),
  clients: z.array(HostClient),
  rooms: z.array(RoomSummary),
  historyMessages: z.number(),
  historyBytes: z.number(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const ChatClientState = z.enum(['connecting', 'open', 'reconnecting', 'closed']);
export type ChatClientState = z.infer<typeof ChatClientState>;

export const ChatClientInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  nick: z.string(),
  tls: z.boolean(),
  serverName: z.string().optional(),
  fingerprint: z.string().optional(),
  state: ChatClientState,
  rooms: z.array(z.string()),
  /** Members of the private conversations this client keeps (so a restarted UI can list them). */
  peers: z.array(z.string()).default([]),
  /** Who is in each joined room, as the server last said (empty while not connected). */
  members: z.record(z.string(), z.array(z.string())).default({}),
  /** Messages written but not yet acknowledged by the server (resent after a reconnect). */
  pending: z.number(),
  reconnects: z.number(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type ChatClientInfo = z.infer<typeof ChatClientInfo>;

/** One chat line as a client keeps it: a room message (room + seq) or a private one (to/from + pseq). */
export const ChatMessage = z.object({
  id: z.string(),
  room: z.string().optional(),
  /** Private message: the other member. */
  peer: z.string().optional(),
  from: z.string(),
  text: z.string(),
  at: z.number(),
  seq: z.number().optional(),
  status: z.enum(['pending', 'sent', 'received', 'failed']),
  /** Why a message failed (a stable error code). */
  code: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const DiscoveredServer = z.object({
  key: z.string(),
  name: z.string(),
  host: z.string(),
  addresses: z.array(z.string()),
  port: z.number(),
  tls: z.boolean(),
  fingerprint: z.string().optional(),
  seenAt: z.number(),
});
export type DiscoveredServer = z.infer<typeof DiscoveredServer>;

export const FileTransferInfo = z.object({
  fileId: z.string(),
  direction: z.enum(['send', 'receive']),
  peer: z.string(),
  name: z.string(),
  size: z.number(),
  sha256: z.string(),
  transferred: z.number(),
  state: z.enum(['offered', 'transferring', 'done', 'cancelled', 'failed']),
  savedTo: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type FileTransferInfo = z.infer<typeof FileTransferInfo>;

const target = {
  room: roomName().optional(),
  to: nick().optional(),
};

export const chatContract = {
  hostStart: method(HostStartInput, HostInfo),
  hostStop: method(z.object({ session: sessionId() }).strict(), z.object({ closedClients: z.number() })),
  hostKick: method(z.object({ session: sessionId(), nick: nick() }).strict(), z.object({})),
  connect: method(
    z
      .object({
        host: host(),
        port: destPort(),
        nick: nick(),
        room: roomName().default(CHAT_DEFAULTS.defaultRoom),
        tls: z.boolean().default(false),
        password: z.string().min(1).max(256).optional(),
        /** Expected certificate fingerprint (e.g. from discovery); a mismatch is CHAT_CERT_CHANGED. */
        fingerprint: z.string().max(200).optional(),
        /**
         * Keep trying from the first attempt and answer at once (state "connecting"), as a LAN messenger
         * rejoins at start-up; by default the first failure is reported (a typo in the address).
         */
        keepTrying: z.boolean().optional(),
      })
      .strict(),
    ChatClientInfo,
  ),
  disconnect: method(z.object({ session: sessionId() }).strict(), z.object({})),
  send: method(
    z.object({ session: sessionId(), ...target, text: messageText() }).strict(),
    z.object({ id: z.string() }),
  ),
  join: method(z.object({ session: sessionId(), room: roomName() }).strict(), z.object({})),
  leave: method(z.object({ session: sessionId(), room: roomName() }).strict(), z.object({})),
  rooms: method(z.object({ session: sessionId() }).strict(), z.object({ rooms: z.array(RoomSummary) })),
  typing: method(z.object({ session: sessionId(), ...target, on: z.boolean() }).strict(), z.object({})),
  /** Messages kept by this client for a room or a private conversation, oldest first. */
  messages: method(
    z
      .object({
        session: sessionId(),
        room: roomName().optional(),
        peer: nick().optional(),
        limit: z.number().int().min(1).max(10_000).default(500),
        /** Only messages before this message id (an older page of the conversation). */
        beforeId: z.string().min(1).max(64).optional(),
      })
      .strict(),
    /** `more`: the client's log holds still older messages of the conversation. */
    z.object({ messages: z.array(ChatMessage), more: z.boolean().default(false) }),
  ),
  /**
   * "Load earlier messages": the room messages right before sequence number `before`, fetched from the
   * server (which serves them from memory or its log), oldest first and contiguous. `more`: the server has
   * still older ones. Not added to the client's kept conversation; the caller shows them.
   */
  olderMessages: method(
    z
      .object({
        session: sessionId(),
        room: roomName(),
        before: z.number().int().min(1, coded('INVALID_INPUT', 'before is a sequence number (1 or more)')),
        limit: z
          .number()
          .int()
          .min(1, coded('INVALID_INPUT', 'limit is at least 1'))
          .max(CHAT_DEFAULTS.maxBatch, coded('LIMIT_EXCEEDED', `limit is at most ${CHAT_DEFAULTS.maxBatch}`))
          .default(CHAT_DEFAULTS.olderPage),
      })
      .strict(),
    z.object({ messages: z.array(ChatMessage), more: z.boolean() }),
  ),
  list: method(empty(), z.object({ hosts: z.array(HostInfo), clients: z.array(ChatClientInfo) })),
  discover: method(
    empty(),
    z.object({
      enabled: z.boolean(),
      servers: z.array(DiscoveredServer),
      /** Why discovery is off: the instance switch (--no-discovery) or the app's LAN setting. */
      off: z.enum(['instance', 'setting']).optional(),
    }),
  ),
  /** Accepts a changed server certificate after the user checked it (re-pins the fingerprint). */
  trustFingerprint: method(
    z.object({ host: host(), port: destPort(), fingerprint: z.string().min(1).max(200) }).strict(),
    z.object({}),
  ),
  fileOffer: method(
    z.object({ session: sessionId(), to: nick(), path: z.string().min(1).max(4096) }).strict(),
    FileTransferInfo,
  ),
  fileAccept: method(
    z
      .object({
        session: sessionId(),
        fileId: z.string().min(1).max(64),
        saveAs: z.string().min(1).max(4096),
      })
      .strict(),
    FileTransferInfo,
  ),
  fileCancel: method(
    z.object({ session: sessionId(), fileId: z.string().min(1).max(64) }).strict(),
    z.object({}),
  ),
  files: method(
    z.object({ session: sessionId() }).strict(),
    z.object({ transfers: z.array(FileTransferInfo) }),
  ),
};

type ChatBase = { engine: 'chat'; session: string; at: number };

export type ChatEvent =
  | (ChatBase & { type: 'host.started'; info: HostInfo })
  | (ChatBase & { type: 'host.stopped' })
  | (ChatBase & {
      type: 'host.client';
      event: 'connected' | 'updated' | 'disconnected';
      client: HostClient;
      reason?: string;
    })
  | (ChatBase & { type: 'host.error'; code: string; message: string })
  | (ChatBase & {
      type: 'client.state';
      state: ChatClientState;
      info: ChatClientInfo;
      code?: string;
      message?: string;
    })
  | (ChatBase & { type: 'client.message'; message: ChatMessage })
  | (ChatBase & { type: 'client.ack'; id: string; seq?: number; room?: string })
  | (ChatBase & {
      type: 'client.presence';
      room: string;
      nick: string;
      event: 'join' | 'leave';
      members: string[];
    })
  | (ChatBase & { type: 'client.typing'; room?: string; from: string; on: boolean })
  | (ChatBase & { type: 'client.rooms'; rooms: RoomSummary[] })
  | (ChatBase & { type: 'client.error'; code: string; message: string })
  | (ChatBase & { type: 'client.cert'; event: 'pinned' | 'changed'; fingerprint: string; previous?: string })
  | (ChatBase & { type: 'client.file'; transfer: FileTransferInfo })
  | (ChatBase & { type: 'discovery.up'; server: DiscoveredServer })
  | (ChatBase & { type: 'discovery.down'; server: DiscoveredServer });
