// The chat wire protocol, version 1 (docs/chat-protocol.md is the normative text; keep them in step).
// One frame = one JSON object on one line, UTF-8, ended by "\n". `t` names the frame type.
// This module knows frames only: nothing of sockets, rooms or storage.
import { z } from 'zod';
import { CHAT_DEFAULTS } from '../../../shared/contract/chat';
import type { ErrorCode } from '../../../shared/errors';

export const PROTOCOL_VERSION = 1;

const NICK_RE = /^[\p{L}\p{N}_.-]+$/u;
const ROOM_RE = /^[\p{L}\p{N}_.\-#]+$/u;
const nick = z.string().min(1).max(CHAT_DEFAULTS.maxNickChars).regex(NICK_RE);
const room = z.string().min(1).max(CHAT_DEFAULTS.maxRoomChars).regex(ROOM_RE);
const msgId = z.string().min(1).max(64);
const seq = z.number().int().min(0);
const fileId = z.string().min(1).max(64);

export function isValidNick(s: string): boolean {
  return s.length >= 1 && s.length <= CHAT_DEFAULTS.maxNickChars && NICK_RE.test(s);
}

export function isValidRoom(s: string): boolean {
  return s.length >= 1 && s.length <= CHAT_DEFAULTS.maxRoomChars && ROOM_RE.test(s);
}

/** Frames a client sends. Unknown fields are ignored (forward compatibility); unknown `t` is an error. */
export const ClientFrame = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('hello'),
    v: z.number().int(),
    nick,
    /** A secret the client keeps; it owns the nickname across reconnects and for offline delivery. */
    identity: z.string().min(8).max(128),
    password: z.string().max(256).optional(),
    /** Private messages after this inbox sequence are delivered at once. */
    inboxAfter: seq.optional(),
  }),
  z.object({ t: z.literal('join'), room, after: seq.optional() }),
  z.object({ t: z.literal('leave'), room }),
  z.object({ t: z.literal('rooms') }),
  z.object({ t: z.literal('who'), room }),
  z.object({
    t: z.literal('msg'),
    id: msgId,
    room: room.optional(),
    to: nick.optional(),
    text: z.string().min(1),
  }),
  z.object({ t: z.literal('typing'), room: room.optional(), to: nick.optional(), on: z.boolean() }),
  z.object({
    t: z.literal('history'),
    room,
    after: seq.optional(),
    before: seq.optional(),
    limit: z.number().int().min(1).optional(),
    /** Request id, echoed in the answer: marks an "older messages" request the client matches itself. */
    ref: z.string().min(1).max(64).optional(),
  }),
  z.object({ t: z.literal('inbox'), after: seq }),
  z.object({ t: z.literal('ping'), id: z.string().max(64).optional() }),
  z.object({
    t: z.literal('file.offer'),
    fileId,
    to: nick,
    name: z.string().min(1).max(255),
    size: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.object({ t: z.literal('file.accept'), fileId, offset: z.number().int().min(0) }),
  z.object({
    t: z.literal('file.chunk'),
    fileId,
    offset: z.number().int().min(0),
    data: z.string().max(CHAT_DEFAULTS.maxFrameBytes),
  }),
  z.object({ t: z.literal('file.ack'), fileId, offset: z.number().int().min(0) }),
  z.object({ t: z.literal('file.cancel'), fileId, reason: z.string().max(200).optional() }),
  z.object({ t: z.literal('file.done'), fileId, ok: z.boolean() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['t'];
export const CLIENT_FRAME_TYPES: readonly string[] = ClientFrame.options.map((o) => o.shape.t.value);

export interface WireRoomMessage {
  t: 'msg';
  room: string;
  seq: number;
  id: string;
  from: string;
  text: string;
  at: number;
}

export interface WirePrivateMessage {
  t: 'pm';
  pseq: number;
  id: string;
  from: string;
  to: string;
  text: string;
  at: number;
}

export interface WireLimits {
  maxFrameBytes: number;
  maxMessageChars: number;
  rateLimitPerSec: number;
  rateLimitBurst: number;
  maxFileBytes: number;
  fileChunkBytes: number;
}

/** Frames a server sends. */
export type ServerFrame =
  | {
      t: 'welcome';
      v: number;
      nick: string;
      server: { name: string; tls: boolean };
      limits: WireLimits;
      inboxSeq: number;
      rooms: string[];
    }
  | { t: 'error'; code: ErrorCode; message: string; ref?: string; retryAfterMs?: number; fatal?: boolean }
  | {
      t: 'ack';
      id: string;
      at: number;
      room?: string;
      seq?: number;
      to?: string;
      pseq?: number;
      dup?: boolean;
    }
  | WireRoomMessage
  | WirePrivateMessage
  | {
      t: 'joined';
      room: string;
      members: string[];
      history: WireRoomMessage[];
      lastSeq: number;
      more: boolean;
    }
  | { t: 'left'; room: string }
  | { t: 'presence'; room: string; nick: string; event: 'join' | 'leave'; members: string[]; at: number }
  | { t: 'typing'; room?: string; from: string; on: boolean }
  | { t: 'rooms'; rooms: { name: string; members: number; lastSeq: number }[] }
  | { t: 'who'; room: string; members: string[] }
  | { t: 'history'; room: string; messages: WireRoomMessage[]; more: boolean; ref?: string }
  | { t: 'inbox'; messages: WirePrivateMessage[]; more: boolean }
  | { t: 'pong'; id?: string; at: number }
  | { t: 'file.offer'; fileId: string; from: string; name: string; size: number; sha256: string }
  | { t: 'file.accept'; fileId: string; from: string; offset: number }
  | { t: 'file.chunk'; fileId: string; from: string; offset: number; data: string }
  | { t: 'file.ack'; fileId: string; from: string; offset: number }
  | { t: 'file.cancel'; fileId: string; from: string; reason?: string }
  | { t: 'file.done'; fileId: string; from: string; ok: boolean };

export function encodeFrame(frame: ServerFrame | ClientFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

export type ParseResult<F> = { ok: true; frame: F } | { ok: false; code: ErrorCode; message: string };

/** Parses one line (without its newline) into a client frame, or says precisely why not. */
export function parseClientFrame(line: string): ParseResult<ClientFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { ok: false, code: 'CHAT_BAD_FRAME', message: `not JSON: ${(err as Error).message}` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, code: 'CHAT_BAD_FRAME', message: 'a frame is a JSON object' };
  const t = (raw as { t?: unknown }).t;
  if (typeof t !== 'string')
    return { ok: false, code: 'CHAT_BAD_FRAME', message: 'frame has no "t" (type) string' };
  if (!CLIENT_FRAME_TYPES.includes(t))
    return { ok: false, code: 'CHAT_UNKNOWN_FRAME', message: `unknown frame type "${t.slice(0, 40)}"` };
  const parsed = ClientFrame.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`).join('; ');
    const field = parsed.error.issues[0]?.path[0];
    const code: ErrorCode =
      field === 'nick' || field === 'to'
        ? 'CHAT_NICK_INVALID'
        : field === 'room'
          ? 'CHAT_ROOM_INVALID'
          : 'CHAT_BAD_FRAME';
    return { ok: false, code, message: `${t}: ${detail}`.slice(0, 300) };
  }
  return { ok: true, frame: parsed.data };
}

/** Server frames are trusted less than they look: the client checks the shape it relies on. */
export function parseServerFrame(line: string): ParseResult<ServerFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { ok: false, code: 'CHAT_BAD_FRAME', message: `not JSON: ${(err as Error).message}` };
  }
  if (
    !raw ||
    typeof raw !== 'object' ||
    Array.isArray(raw) ||
    typeof (raw as { t?: unknown }).t !== 'string'
  ) {
    return { ok: false, code: 'CHAT_BAD_FRAME', message: 'a frame is a JSON object with a "t" string' };
  }
  return { ok: true, frame: raw as ServerFrame };
}
