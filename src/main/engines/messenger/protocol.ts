// The messenger's peer protocol (docs/chat-protocol.md, "Messenger" is the normative text; keep them in
// step). One TLS connection per pair of instances; one frame = one JSON object on one line ("\n"), `t`
// first. This module knows frames only: nothing of sockets, storage or presence.
import { z } from 'zod';
import { MESSENGER_DEFAULTS } from '../../../shared/contract/messenger';
import type { ErrorCode } from '../../../shared/errors';
import { FILE_FRAMES } from './files-protocol';

export const PROTOCOL_VERSION = MESSENGER_DEFAULTS.protocolVersion;

/** Base64 of a DER certificate in a `cert` frame (an app certificate is under 1 KB). */
export const MAX_CERT_CHARS = 8192;

const ID_RE = /^[0-9a-f]{16}$/;
const CONV_RE = /^(dm:[0-9a-f]{16}:[0-9a-f]{16}|g:[0-9a-f]{16})$/;
const NICK_RE = /^[\p{L}\p{N}_.-]+$/u;

const id = z.string().regex(ID_RE);
const conv = z.string().regex(CONV_RE);
const nick = z.string().min(1).max(MESSENGER_DEFAULTS.maxNickChars).regex(NICK_RE);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const status = z.enum(['online', 'away']);

/** A message as it travels: everything every member stores, nothing local (late, acks, storedAt). */
export const WireMessage = z.object({
  conv,
  from: id,
  nick,
  seq: count.min(1),
  lamport: count.min(1),
  at: count,
  kind: z.enum(['text', 'members']),
  text: z.string().max(MESSENGER_DEFAULTS.maxMessageChars),
  /** Group messages: the sender's member set and group name, so a member that never saw the group
   *  (added while away, or its first message lost) can still place the message. */
  members: z.array(id).max(MESSENGER_DEFAULTS.maxGroupMembers).optional(),
  name: z.string().max(MESSENGER_DEFAULTS.maxGroupNameChars).optional(),
  /** A `members` message: who it adds and removes (membership.ts merges these the same everywhere). */
  add: z.array(id).max(MESSENGER_DEFAULTS.maxGroupMembers).optional(),
  remove: z.array(id).max(MESSENGER_DEFAULTS.maxGroupMembers).optional(),
  /** The sender's signature over the fields above (signing.ts), so a relayed copy proves its sender. */
  sig: z.string().max(128).optional(),
});
export type WireMessage = z.infer<typeof WireMessage>;

/** Per conversation: the highest sequence number, per sender, up to which we hold every message. */
const Vector = z.record(id, count);

export const PeerFrame = z.discriminatedUnion('t', [
  /** Connector → listener, first frame. `port`: where the connector itself listens (so the listener
   *  can connect back later); `to`: the instance the connector expects to reach, when it knows it. */
  z.object({
    t: z.literal('hello'),
    v: z.number().int(),
    id,
    nick,
    status,
    port: z.number().int().min(0).max(65535),
    to: id.optional(),
  }),
  z.object({
    t: z.literal('welcome'),
    v: z.number().int(),
    id,
    nick,
    status,
    port: z.number().int().min(0).max(65535),
  }),
  /** After the handshake, both ways: how far we hold the other side's messages, per conversation. */
  z.object({ t: z.literal('acks'), acks: z.record(conv, count) }),
  /** One message: the sender's own (`fill` absent) or relayed from history to fill a gap. */
  z.object({ t: z.literal('msg'), m: WireMessage, fill: z.boolean().optional() }),
  /** We now hold every message of `conv` from the link's other side up to `upTo`. */
  z.object({ t: z.literal('ack'), conv, upTo: count }),
  /** Gap fill: "I hold these (per sender); send what I lack". Answered by `msg` fill frames and `synced`. */
  z.object({ t: z.literal('sync'), conv, have: Vector }),
  z.object({ t: z.literal('synced'), conv, more: z.boolean() }),
  /** Before relayed messages: the certificate (base64 DER) of a sender whose messages follow, so the
   *  asker can check their signatures although it never met that sender. */
  z.object({ t: z.literal('cert'), id, cert: z.string().max(MAX_CERT_CHARS) }),
  z.object({ t: z.literal('status'), status, nick }),
  z.object({ t: z.literal('typing'), conv, on: z.boolean() }),
  z.object({ t: z.literal('ping') }),
  z.object({ t: z.literal('pong') }),
  /** Leaving the LAN (quit or stop): mark me offline now, do not wait for a timeout. */
  z.object({ t: z.literal('bye') }),
  /** A second connection between the same two instances: this one is closed, the other is kept. */
  z.object({ t: z.literal('dup') }),
  z.object({ t: z.literal('error'), code: z.string().max(64), message: z.string().max(1000) }),
  /** File transfer in direct conversations (files-protocol.ts). */
  ...FILE_FRAMES,
]);
export type PeerFrame = z.infer<typeof PeerFrame>;

export type ParsedFrame = { ok: true; frame: PeerFrame } | { ok: false; code: ErrorCode; message: string };

export function parseFrame(line: string): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, code: 'MESSENGER_BAD_FRAME', message: 'not JSON' };
  }
  const r = PeerFrame.safeParse(raw);
  if (r.success) return { ok: true, frame: r.data };
  const issue = r.error.issues[0];
  return {
    ok: false,
    code: 'MESSENGER_BAD_FRAME',
    message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}`,
  };
}

export function encodeFrame(frame: PeerFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

export function isInstanceId(s: string): boolean {
  return ID_RE.test(s);
}

/** The direct conversation of two instances: the same id on both sides. */
export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function directMembers(convId: string): [string, string] | undefined {
  const m = /^dm:([0-9a-f]{16}):([0-9a-f]{16})$/.exec(convId);
  return m ? [m[1]!, m[2]!] : undefined;
}

export function messageId(m: { conv: string; from: string; seq: number }): string {
  return `${m.from}:${m.conv}:${m.seq}`;
}

/** Display order on every member: Lamport clock, then the sender's instance id (a total order). */
export function compareOrder(
  a: { lamport: number; from: string },
  b: { lamport: number; from: string },
): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0;
}
