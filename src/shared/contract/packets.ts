// Packet library contract: saved packets (Packet Sender's core feature), sending them once or repeated,
// import/export as JSON, and the auto-reply rule shape that UDP sockets and TLS servers share.
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, payload } from './common';
import type { WireBytes } from './tcp';

/** Documented defaults and bounds of the packet library (docs/udp.md, "Packet library"). */
export const PACKETS_DEFAULTS = {
  /** Saved packets kept in packets.json; saving one more is LIMIT_EXCEEDED. */
  maxPackets: 1000,
  /** Upper bound of "repeat N times". */
  maxRepeat: 10_000,
  /** Upper bound of "every T ms" (one hour). 0 sends back to back. */
  maxIntervalMs: 3_600_000,
  /** How long one send waits for a response before moving on. */
  responseWaitMs: 500,
  maxResponseWaitMs: 60_000,
  /** Repeat jobs running at once. */
  maxJobs: 8,
  /** Bytes of a response copied into an event. */
  maxEventDataBytes: 4 * 1024,
  /** Largest accepted import text (8 MiB). */
  maxImportChars: 8 * 1024 * 1024,
  connectTimeoutMs: 5_000,
} as const;

export const payloadTextEncoding = () => z.enum(['text', 'escaped', 'hex']);

export const AutoReplyRuleSchema = z
  .object({
    match: z.enum(['any', 'equals', 'contains', 'startsWith', 'regex']),
    pattern: z.string().max(1000).default(''),
    patternEncoding: payloadTextEncoding().default('text'),
    reply: payload(),
    replyEncoding: payloadTextEncoding().default('text'),
  })
  .strict();
export type AutoReplyRuleInput = z.input<typeof AutoReplyRuleSchema>;

/** At most this many rules per server; the first matching rule answers. */
export const MAX_AUTO_REPLY_RULES = 64;
export const autoReplies = () =>
  z
    .array(AutoReplyRuleSchema)
    .max(MAX_AUTO_REPLY_RULES, coded('LIMIT_EXCEEDED', `at most ${MAX_AUTO_REPLY_RULES} auto-reply rules`));

export const PacketProtocol = z.enum(['tcp', 'udp', 'tls']);
export type PacketProtocol = z.infer<typeof PacketProtocol>;

const packetFields = {
  name: z.string().trim().min(1, 'name is required').max(200),
  protocol: PacketProtocol,
  host: host(),
  port: destPort(),
  payload: payload(),
  encoding: payloadTextEncoding().default('escaped'),
  repeat: z.number().int().min(1).max(PACKETS_DEFAULTS.maxRepeat).default(1),
  intervalMs: z.number().int().min(0).max(PACKETS_DEFAULTS.maxIntervalMs).default(1000),
  responseWaitMs: z
    .number()
    .int()
    .min(0)
    .max(PACKETS_DEFAULTS.maxResponseWaitMs)
    .default(PACKETS_DEFAULTS.responseWaitMs),
  /** TLS only: verify the server certificate (off by default: the app's own certificate is self-signed). */
  tlsVerify: z.boolean().default(false),
  /** TLS only: server name sent in SNI (default: the host, when it is a name). */
  servername: z.string().max(253).optional(),
};

/**
 * {{counter}} of a saved packet carries on from send to send (and across restarts): this is the last
 * value sent, so the next send uses counter + 1. Unsaved packets count 1, 2, … per send job.
 */
const packetCounter = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const PacketInput = z
  .object({ id: z.string().min(1).max(64).optional(), ...packetFields, counter: packetCounter().optional() })
  .strict();
export const Packet = z.object({
  id: z.string().min(1).max(64),
  ...packetFields,
  counter: packetCounter().default(0),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Packet = z.infer<typeof Packet>;

/** The on-disk and export format. */
export const PacketFile = z.object({
  format: z.literal('wirelab-packets').default('wirelab-packets'),
  version: z.literal(1).default(1),
  packets: z.array(Packet).max(PACKETS_DEFAULTS.maxPackets).default([]),
});
export type PacketFile = z.infer<typeof PacketFile>;

export const PacketJobInfo = z.object({
  job: z.string(),
  packetId: z.string().optional(),
  name: z.string(),
  protocol: PacketProtocol,
  host: z.string(),
  port: z.number(),
  total: z.number(),
  sent: z.number(),
  responses: z.number(),
  errors: z.number(),
  state: z.enum(['running', 'done', 'cancelled']),
});
export type PacketJobInfo = z.infer<typeof PacketJobInfo>;

export const packetsContract = {
  list: method(empty(), z.object({ packets: z.array(Packet) })),
  save: method(PacketInput, Packet),
  remove: method(z.object({ id: z.string().min(1) }).strict(), z.object({ removed: z.boolean() })),
  exportJson: method(
    z
      .object({ ids: z.array(z.string()).optional() })
      .strict()
      .default({}),
    z.object({ text: z.string(), count: z.number() }),
  ),
  importJson: method(
    z
      .object({
        text: z.string().max(PACKETS_DEFAULTS.maxImportChars, coded('INVALID_IMPORT', 'file too large')),
        mode: z.enum(['merge', 'replace']).default('merge'),
      })
      .strict(),
    z.object({ added: z.number(), updated: z.number(), total: z.number() }),
  ),
  /** Sends a saved packet (by id) or an unsaved one; repeat/interval override the packet's own. */
  send: method(
    z
      .object({
        id: z.string().min(1).optional(),
        packet: PacketInput.optional(),
        repeat: z.number().int().min(1).max(PACKETS_DEFAULTS.maxRepeat).optional(),
        intervalMs: z.number().int().min(0).max(PACKETS_DEFAULTS.maxIntervalMs).optional(),
      })
      .strict(),
    PacketJobInfo,
  ),
  /** Sets a saved packet's {{counter}} (to 0 by default, so the next send is 1 again). */
  resetCounter: method(
    z.object({ id: z.string().min(1), value: packetCounter().default(0) }).strict(),
    Packet,
  ),
  cancel: method(z.object({ job: z.string().min(1) }).strict(), PacketJobInfo),
  jobs: method(empty(), z.object({ jobs: z.array(PacketJobInfo) })),
};

export type PacketsEvent =
  | ({
      engine: 'packets';
      type: 'job.sent';
      session: string;
      at: number;
      index: number;
      /** The {{counter}} value this send used. */
      counter: number;
      to: string;
    } & WireBytes)
  | ({
      engine: 'packets';
      type: 'job.response';
      session: string;
      at: number;
      index: number;
      from: string;
    } & WireBytes)
  | {
      engine: 'packets';
      type: 'job.error';
      session: string;
      at: number;
      index: number;
      code: string;
      message: string;
    }
  | { engine: 'packets'; type: 'job.done'; session: string; at: number; info: PacketJobInfo }
  | { engine: 'packets'; type: 'library.changed'; session: 'library'; at: number; count: number };
