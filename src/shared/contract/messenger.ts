// LAN messenger contract: people on the LAN without a host. Each instance announces itself (DNS-SD
// `_wirelab._tcp`), browses for the others and talks to each of them over a direct TLS connection;
// direct and group conversations are peer to peer (docs/chat-protocol.md, "Messenger"). This file is
// what the UI and the CLI call; the hosted room server stays in contract/chat.ts.
//
// Channels (`messenger.<method>`), all answering `{ ok, value | error: { code, message } }`:
//   start            go on the LAN with a nickname (announce, browse, listen for peers); idempotent
//   stop             goodbye to everyone (DNS-SD TTL 0 and a `bye` frame), stop listening
//   info             this instance: state, id, nickname, status, port, fingerprint, interfaces
//   setStatus        online / away (and optionally a new nickname); announced at once
//   peers            everyone seen: online / away / offline since …, host, fingerprint
//   addPeer          a peer by address (no multicast needed: static peer lists, tests, routed LANs)
//   trustPeer        accept a peer's changed certificate after the user checked it (re-pins it)
//   conversations    direct and group conversations with unread counts and last message
//   openDirect       the direct conversation with one peer (created on first use)
//   createGroup      a group: a name and a set of members (peer instance ids)
//   addMembers       add peers to a group (every member learns the new set)
//   removeMembers    remove members from a group (they get nothing written after it)
//   leaveGroup       leave a group (the others learn it; history stays on disk)
//   send             write a message to a conversation: stored, then delivered to each member when it is
//                    reachable (outbox, survives restarts); answers at once with the stored message
//   messages         a page of a conversation, in display order (oldest first), `before` = older page
//   markRead         unread count of a conversation back to 0
//   typing           tell the members of a conversation that the user is typing (not stored)
//   file*, files     file transfer in direct conversations (contract/messenger-files.ts)
//
// Events (`engine: 'messenger'`, `session: 'messenger'`), discriminated by `type`:
//   state            the instance started / stopped / changed its nickname or status (`info`)
//   peer.appeared    a peer was seen for the first time in this run (`peer`)
//   peer.changed     a known peer changed: status, nickname, address, came back online (`peer`)
//   peer.gone        a peer left (goodbye) or could not be reached any more: status offline (`peer`)
//   conversation     a conversation was created or changed (members, name, unread, last message)
//   message          a message was stored: one of ours (`mine`) or received; `late` when it sorts before
//                    a message that was already displayed (arrived after later ones — show a marker)
//   message.acked    a member stored one of our messages (`by`); `delivered` once every member has it
//   typing           a member is typing (or stopped) in a conversation
//   file             a file transfer changed (offered, progress, done, failed, cancelled)
//   cert             a peer's certificate was pinned on first use, or was refused because it changed
//   error            something went wrong in the background (code + message), e.g. discovery failed
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, port } from './common';
import { messengerFileMethods, type MessengerFileTransfer } from './messenger-files';

export * from './messenger-files';

/** Documented defaults of the messenger (docs/chat-protocol.md, "Limits"). Every limit is an option. */
export const MESSENGER_DEFAULTS = {
  /** Wire protocol version announced in TXT `v` and the peer hello; peers with another version are refused.
   *  2: messages carry their sender's signature. */
  protocolVersion: 2,
  /** DNS-SD service type: `_wirelab._tcp`. */
  serviceType: 'wirelab',
  /** Peers listen on every interface (the LAN must reach them); the port is free (0) unless set. */
  bind: '0.0.0.0',
  /** Largest peer frame (one JSON line with its newline), enforced while scanning, before it is kept. */
  maxFrameBytes: 64 * 1024,
  /** Longest message text, in UTF-16 code units. */
  maxMessageChars: 8 * 1024,
  /** Our messages not yet acknowledged by one peer; sending more to a conversation with them is refused. */
  maxOutbox: 10_000,
  /** Messages per `messages` page by default, and the largest page a caller may ask for. */
  historyPage: 100,
  maxHistoryPage: 1000,
  /** Messages a peer sends in one gap-fill answer; the asker asks again for the rest. */
  fillBatch: 500,
  /** Anti-entropy: every this often one connected peer (in turn) is asked for what we lack of our groups. */
  syncIntervalMs: 30_000,
  /** Peers remembered (seen on the LAN, added by address or talked to); more are ignored. */
  maxPeers: 256,
  /** Members of one group, us included. */
  maxGroupMembers: 64,
  maxConversations: 1000,
  maxNickChars: 32,
  maxGroupNameChars: 64,
  /** Unsent bytes queued to one peer before the connection is dropped (it reconnects and resumes). */
  maxQueuedBytes: 4 * 1024 * 1024,
  /** A connection must complete its hello within this time. */
  helloTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  /** Reconnect to a reachable peer with backoff between these bounds. */
  reconnectMinMs: 200,
  reconnectMaxMs: 5_000,
  /** Keepalive ping after this much silence; nothing heard for two intervals → connection dropped. */
  pingIntervalMs: 10_000,
  /** DNS-SD browser: how often it asks again and expires peers whose records ran out. */
  browseRefreshMs: 5_000,
  /** 'batch': acks go out once the OS has the bytes; fsync every fsyncIntervalMs. */
  fsync: 'batch' as 'batch' | 'always' | 'never',
  fsyncIntervalMs: 200,
} as const;

const NICK_RE = /^[\p{L}\p{N}_.-]+$/u;

export const messengerNick = () =>
  z
    .string()
    .trim()
    .min(1, coded('CHAT_NICK_INVALID', 'nickname is empty'))
    .max(
      MESSENGER_DEFAULTS.maxNickChars,
      coded('CHAT_NICK_INVALID', `nickname is longer than ${MESSENGER_DEFAULTS.maxNickChars}`),
    )
    .regex(NICK_RE, coded('CHAT_NICK_INVALID', 'use letters, digits, _ . - only'));

/** An instance id: 16 lowercase hex digits, made once per data directory. */
export const instanceId = () =>
  z.string().regex(/^[0-9a-f]{16}$/, coded('MESSENGER_PEER_UNKNOWN', 'not a peer id (16 hex digits)'));

/** `dm:<id>:<id>` (the two instance ids, sorted) or `g:<16 hex>`. */
export const conversationId = () =>
  z
    .string()
    .regex(
      /^(dm:[0-9a-f]{16}:[0-9a-f]{16}|g:[0-9a-f]{16})$/,
      coded('MESSENGER_NO_CONVERSATION', 'not a conversation id'),
    );

export const MessengerStatus = z.enum(['online', 'away']);
export type MessengerStatus = z.infer<typeof MessengerStatus>;

export const PeerAddress = z.object({ host: host(), port: destPort() }).strict();
export type PeerAddress = z.infer<typeof PeerAddress>;

export const MessengerStartInput = z
  .object({
    nick: messengerNick(),
    status: MessengerStatus.default('online'),
    /** Address and port peers connect to (0 = a free port, kept only for this run). */
    host: host().default(MESSENGER_DEFAULTS.bind),
    port: port().default(0),
    /** Announce and browse with DNS-SD. Off: no multicast socket at all (peers by address only). */
    discovery: z.boolean().optional(),
    /** Interfaces (names or IPv4 addresses) to announce and browse on; default every non-loopback one. */
    interfaces: z.array(z.string().min(1).max(64)).max(32).optional(),
    /** Peers to reach by address, with or without discovery. */
    peers: z.array(PeerAddress).max(MESSENGER_DEFAULTS.maxPeers).default([]),
  })
  .strict();
export type MessengerStartInput = z.input<typeof MessengerStartInput>;

export const MessengerState = z.enum(['stopped', 'running']);
export type MessengerState = z.infer<typeof MessengerState>;

export const MessengerInfo = z.object({
  state: MessengerState,
  /** Ours, made once per data directory (stable across restarts). */
  instanceId: z.string(),
  nick: z.string(),
  status: MessengerStatus,
  host: z.string(),
  port: z.number(),
  /** SHA-256 fingerprint of our certificate (uppercase hex pairs joined by ':'). */
  fingerprint: z.string(),
  discovery: z.boolean(),
  /** Interfaces announced on (empty when discovery is off). */
  interfaces: z.array(z.string()),
  protocolVersion: z.number(),
});
export type MessengerInfo = z.infer<typeof MessengerInfo>;

export const PeerPresence = z.enum(['online', 'away', 'offline']);
export type PeerPresence = z.infer<typeof PeerPresence>;

export const MessengerPeer = z.object({
  id: z.string(),
  nick: z.string(),
  /** Where we reach it (the address its announcement or connection came from). */
  host: z.string().optional(),
  port: z.number().optional(),
  presence: PeerPresence,
  /** When it went offline (ms since epoch); set while presence is 'offline'. */
  offlineSince: z.number().optional(),
  lastSeen: z.number().optional(),
  /** The pinned certificate fingerprint. */
  fingerprint: z.string().optional(),
  /** A direct connection is open (either direction). */
  connected: z.boolean(),
  /** How we know it: DNS-SD announcement, an address we were given, or it connected to us. */
  source: z.enum(['dns-sd', 'address', 'incoming', 'history']),
  /** Our messages it has not acknowledged yet. */
  outbox: z.number(),
  /** Set when its certificate changed and was refused (MESSENGER_CERT_CHANGED) until trustPeer. */
  certChanged: z.object({ presented: z.string(), pinned: z.string() }).optional(),
});
export type MessengerPeer = z.infer<typeof MessengerPeer>;

export const MessengerMessage = z.object({
  /** `<sender id>:<conversation>:<seq>` — unique, the same on every member. */
  id: z.string(),
  conversation: z.string(),
  /** Sender's instance id and its nickname when it wrote the message. */
  from: z.string(),
  fromNick: z.string(),
  /** Per sender and conversation: 1, 2, 3 … (exactly-once per sender). */
  seq: z.number(),
  /** Lamport clock; display order is (lamport, from) on every member. */
  lamport: z.number(),
  /** Sender's wall clock when written (display only; never used for ordering). */
  at: z.number(),
  /** 'text' = a message; 'members' = a group's member set changed (members, name). */
  kind: z.enum(['text', 'members']),
  text: z.string(),
  members: z.array(z.string()).optional(),
  name: z.string().optional(),
  /** 'members' messages: who this change added and removed (merged the same on every member). */
  add: z.array(z.string()).optional(),
  remove: z.array(z.string()).optional(),
  /** Ours: 'pending' until every other member acknowledged it, then 'delivered'. Theirs: 'received'. */
  status: z.enum(['pending', 'delivered', 'received']),
  mine: z.boolean(),
  /** Members (instance ids) that acknowledged it (ours only). */
  ackedBy: z.array(z.string()),
  /** Arrived after messages that sort after it had already been displayed. */
  late: z.boolean(),
  /** When this instance stored it. */
  storedAt: z.number(),
});
export type MessengerMessage = z.infer<typeof MessengerMessage>;

export const MessengerConversation = z.object({
  id: z.string(),
  kind: z.enum(['direct', 'group']),
  /** Group name, or the other person's nickname for a direct conversation. */
  name: z.string(),
  /** Instance ids, us included. */
  members: z.array(z.string()),
  /** We left the group (no more messages go out or come in). */
  left: z.boolean(),
  messages: z.number(),
  unread: z.number(),
  /** Our messages not yet acknowledged by every member. */
  pending: z.number(),
  last: MessengerMessage.optional(),
});
export type MessengerConversation = z.infer<typeof MessengerConversation>;

const conv = { conversation: conversationId() };
const memberList = () =>
  z
    .array(instanceId())
    .min(1, coded('INVALID_INPUT', 'a group needs at least one other member'))
    .max(
      MESSENGER_DEFAULTS.maxGroupMembers - 1,
      coded('LIMIT_EXCEEDED', `a group has at most ${MESSENGER_DEFAULTS.maxGroupMembers} members`),
    );

export const messengerContract = {
  start: method(MessengerStartInput, MessengerInfo),
  stop: method(empty(), z.object({})),
  info: method(empty(), MessengerInfo),
  setStatus: method(
    z.object({ status: MessengerStatus.optional(), nick: messengerNick().optional() }).strict(),
    MessengerInfo,
  ),
  peers: method(empty(), z.object({ peers: z.array(MessengerPeer) })),
  addPeer: method(PeerAddress, z.object({})),
  trustPeer: method(
    z.object({ peer: instanceId(), fingerprint: z.string().min(1).max(200) }).strict(),
    z.object({}),
  ),
  conversations: method(empty(), z.object({ conversations: z.array(MessengerConversation) })),
  openDirect: method(z.object({ peer: instanceId() }).strict(), MessengerConversation),
  createGroup: method(
    z
      .object({
        name: z
          .string()
          .trim()
          .min(1, coded('INVALID_INPUT', 'group name is empty'))
          .max(
            MESSENGER_DEFAULTS.maxGroupNameChars,
            coded('INVALID_INPUT', `group name is longer than ${MESSENGER_DEFAULTS.maxGroupNameChars}`),
          ),
        members: memberList(),
      })
      .strict(),
    MessengerConversation,
  ),
  addMembers: method(z.object({ ...conv, members: memberList() }).strict(), MessengerConversation),
  removeMembers: method(z.object({ ...conv, members: memberList() }).strict(), MessengerConversation),
  leaveGroup: method(z.object(conv).strict(), z.object({})),
  send: method(
    z
      .object({
        ...conv,
        text: z
          .string()
          .min(1, coded('INVALID_INPUT', 'message is empty'))
          .max(
            MESSENGER_DEFAULTS.maxMessageChars,
            coded(
              'LIMIT_EXCEEDED',
              `message is longer than ${MESSENGER_DEFAULTS.maxMessageChars} characters`,
            ),
          ),
      })
      .strict(),
    z.object({ message: MessengerMessage }),
  ),
  messages: method(
    z
      .object({
        ...conv,
        limit: z
          .number()
          .int()
          .min(1, coded('INVALID_INPUT', 'limit is at least 1'))
          .max(
            MESSENGER_DEFAULTS.maxHistoryPage,
            coded('LIMIT_EXCEEDED', `limit is at most ${MESSENGER_DEFAULTS.maxHistoryPage}`),
          )
          .default(MESSENGER_DEFAULTS.historyPage),
        /** Only messages displayed before this message id (the next older page). */
        before: z.string().min(1).max(120).optional(),
      })
      .strict(),
    /** Oldest first; `more`: older messages exist before the first one returned. */
    z.object({ messages: z.array(MessengerMessage), more: z.boolean() }),
  ),
  markRead: method(z.object(conv).strict(), z.object({})),
  typing: method(z.object({ ...conv, on: z.boolean() }).strict(), z.object({})),
  ...messengerFileMethods,
};

type MessengerBase = { engine: 'messenger'; session: 'messenger'; at: number };

export type MessengerEvent =
  | (MessengerBase & { type: 'state'; info: MessengerInfo })
  | (MessengerBase & { type: 'peer.appeared'; peer: MessengerPeer })
  | (MessengerBase & { type: 'peer.changed'; peer: MessengerPeer })
  | (MessengerBase & { type: 'peer.gone'; peer: MessengerPeer })
  | (MessengerBase & { type: 'conversation'; conversation: MessengerConversation })
  | (MessengerBase & { type: 'message'; message: MessengerMessage })
  | (MessengerBase & {
      type: 'message.acked';
      conversation: string;
      id: string;
      by: string;
      /** Every other member has it now. */
      delivered: boolean;
    })
  | (MessengerBase & { type: 'typing'; conversation: string; from: string; nick: string; on: boolean })
  | (MessengerBase & {
      type: 'cert';
      peer: string;
      event: 'pinned' | 'changed';
      fingerprint: string;
      previous?: string;
    })
  /** A file transfer was offered, moved on (at most every 100 ms), finished, failed or was cancelled. */
  | (MessengerBase & { type: 'file'; transfer: MessengerFileTransfer })
  | (MessengerBase & { type: 'error'; code: string; message: string });
