// A chat client's options, their documented defaults (CHAT_DEFAULTS), and the codes that decide whether a
// failure is retried: kept apart from the socket code so the rules can be read (and tested) on their own.
import { CHAT_DEFAULTS, type ChatMessage } from '../../../shared/contract/chat';
import { isErrorCode } from '../../../shared/errors';
import { EngineError } from '../common/errors';
import type { FsyncPolicy } from '../common/append-log';

export interface PinStore {
  get(key: string): string | undefined;
  set(key: string, fingerprint: string): void;
}

export interface ChatClientOptions {
  host: string;
  port: number;
  nick: string;
  /** Secret that owns the nickname on the server; keep it to get offline messages later. */
  identity: string;
  rooms: string[];
  password?: string;
  tls: boolean;
  /** Fingerprint the server must present (e.g. from discovery); overrides the pin. */
  expectedFingerprint?: string;
  pins?: PinStore;
  /** Directory for this client's history log; undefined keeps it in memory. */
  storeDir?: string;
  /** Retry from the first attempt instead of reporting its failure; start() answers at once. */
  keepTrying: boolean;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  clientKeep: number;
  /** This client's log, when larger than this at start, is compacted to what the client keeps. */
  compactAboveBytes: number;
  /** A request the server answers (older history) fails with TIMEOUT after this long. */
  requestTimeoutMs: number;
  /** Log bytes one older-page request of a private conversation reads at most. */
  historyScanBytes: number;
}

export interface OlderPage {
  messages: ChatMessage[];
  more: boolean;
}

export const CHAT_CLIENT_DEFAULTS = {
  rooms: [CHAT_DEFAULTS.defaultRoom],
  tls: false,
  keepTrying: false,
  fsync: CHAT_DEFAULTS.fsync,
  fsyncIntervalMs: CHAT_DEFAULTS.fsyncIntervalMs,
  reconnectMinMs: CHAT_DEFAULTS.reconnectMinMs,
  reconnectMaxMs: CHAT_DEFAULTS.reconnectMaxMs,
  connectTimeoutMs: CHAT_DEFAULTS.connectTimeoutMs,
  pingIntervalMs: CHAT_DEFAULTS.pingIntervalMs,
  maxFrameBytes: CHAT_DEFAULTS.maxFrameBytes,
  clientKeep: CHAT_DEFAULTS.clientKeep,
  compactAboveBytes: CHAT_DEFAULTS.compactAboveBytes,
  requestTimeoutMs: CHAT_DEFAULTS.requestTimeoutMs,
  historyScanBytes: CHAT_DEFAULTS.historyScanBytes,
};

/** Codes after which retrying cannot help: the client stops instead of reconnecting. */
export const FATAL_CODES: ReadonlySet<string> = new Set([
  'CHAT_AUTH_FAILED',
  'CHAT_NICK_TAKEN',
  'CHAT_NICK_INVALID',
  'CHAT_KICKED',
  'CHAT_VERSION',
  'CHAT_CERT_CHANGED',
  'CHAT_BAD_FRAME',
  'CHAT_HELLO_REQUIRED',
]);

/** Refusals of one message that resending would only repeat. */
export const MESSAGE_REFUSALS: ReadonlySet<string> = new Set([
  'CHAT_NOT_IN_ROOM',
  'CHAT_NO_SUCH_USER',
  'LIMIT_EXCEEDED',
  'CHAT_BAD_FRAME',
]);

/**
 * Exponential backoff with jitter: attempt 0 waits about `min`, each next one twice as long up to `max`;
 * the random half spreads reconnecting clients so a restarted server is not hit by all of them at once.
 */
export function reconnectDelay(attempt: number, min: number, max: number, random = Math.random()): number {
  return Math.min(max, min * 2 ** attempt) * (0.5 + random * 0.5);
}

/** A message the user asks to send: one target, within the server's length, to a room we are in. */
export function checkOutgoing(
  target: { room?: string; to?: string },
  text: string,
  maxChars: number,
  rooms: ReadonlySet<string>,
): void {
  if ((target.room === undefined) === (target.to === undefined))
    throw new EngineError('INVALID_INPUT', 'give exactly one of room or to');
  if (text.length > maxChars)
    throw new EngineError('LIMIT_EXCEEDED', `message longer than ${maxChars} characters`);
  if (target.room !== undefined && !rooms.has(target.room))
    throw new EngineError('CHAT_NOT_IN_ROOM', `join ${target.room} first`);
}

/**
 * Why a first connection closed before the welcome: a server that said why in a fatal error frame (full,
 * over its rate limit…) is reported in its words, otherwise as a reset.
 */
export function closedBeforeWelcome(where: string, code?: string, message?: string): EngineError {
  if (code && isErrorCode(code)) return new EngineError(code, message ?? 'closed by the server');
  return new EngineError('CONNECTION_RESET', `${where} closed the connection before welcoming us`);
}
