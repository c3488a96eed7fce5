// UDP contract: sockets that are server and client at once (bind, send, receive, reply), echo and
// auto-reply, broadcast, and multicast membership for IPv4 and IPv6.
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, payload, port, sessionId } from './common';
import { AutoReplyRuleSchema, autoReplies, payloadTextEncoding } from './packets';
import type { WireBytes } from './tcp';

/** Documented defaults and limits of the UDP engine (docs/udp.md). */
export const UDP_DEFAULTS = {
  host: '127.0.0.1',
  /** Largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
  maxPayloadIPv4: 65_507,
  /** Largest UDP payload over IPv6 without jumbograms: 65,535 − 8 (the IPv6 header is not counted). */
  maxPayloadIPv6: 65_527,
  /** Bytes of one datagram copied into an event (4 KiB); the true size always travels along. */
  maxEventDataBytes: 4 * 1024,
  /** Sockets one app instance may hold open. */
  maxSockets: 256,
  /** Echo/reply/auto-reply answers per second per socket; beyond it datagrams are still shown, not answered.
   *  Two echoing sockets pointed at each other would otherwise ping-pong forever at full speed. */
  maxAutoRepliesPerSecond: 10_000,
  /** Recent senders remembered per socket, so "reply" can target an earlier datagram. */
  recentSenders: 256,
  /** The answer of a plain UDP test server. */
  defaultReply: 'Message received',
  /** IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS: 1 keeps multicast on the local link. */
  multicastTtl: 1,
} as const;

export const UdpFamily = z.enum(['udp4', 'udp6']);
export type UdpFamily = z.infer<typeof UdpFamily>;

const ttl = () => z.number().int().min(1, 'TTL must be 1..255').max(255, 'TTL must be 1..255');
const mttl = () =>
  z.number().int().min(0, 'multicast TTL must be 0..255').max(255, 'multicast TTL must be 0..255');

/** What a socket answers by itself: nothing, the datagram back, or a fixed reply ("Message received"). */
export const UdpResponder = z.enum(['off', 'echo', 'reply']);

const options = {
  responder: UdpResponder.default('off'),
  reply: payload().default(UDP_DEFAULTS.defaultReply),
  replyEncoding: payloadTextEncoding().default('text'),
  /** Checked before `responder`: the first matching rule answers. */
  autoReplies: autoReplies().default([]),
  broadcast: z.boolean().default(false),
  ttl: ttl().optional(),
  multicastTtl: mttl().default(UDP_DEFAULTS.multicastTtl),
  multicastLoopback: z.boolean().default(true),
  /** IPv4: the local address of the interface; IPv6: an interface name ("eth0") or "::%eth0". */
  multicastInterface: z.string().trim().min(1).max(64).optional(),
  maxAutoRepliesPerSecond: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(UDP_DEFAULTS.maxAutoRepliesPerSecond),
};

export const UdpBindInput = z
  .object({
    host: host().default(UDP_DEFAULTS.host),
    port: port(),
    /** Default: from the host (IPv6 literal or a name resolving to IPv6 → udp6). */
    family: UdpFamily.optional(),
    /** SO_REUSEADDR, so several sockets (or programs) can share a multicast port. */
    reuseAddr: z.boolean().default(false),
    /** udp6 on "::" only: refuse IPv4-mapped traffic. */
    ipv6Only: z.boolean().default(false),
    label: z.string().max(100).optional(),
    ...options,
  })
  .strict();
export type UdpBindInput = z.input<typeof UdpBindInput>;

export const UdpMembership = z.object({
  group: z.string(),
  interface: z.string().optional(),
  source: z.string().optional(),
});
export type UdpMembership = z.infer<typeof UdpMembership>;

export const UdpSocketInfo = z.object({
  session: z.string(),
  label: z.string().optional(),
  family: UdpFamily,
  host: z.string(),
  port: z.number(),
  state: z.enum(['bound', 'closed']),
  responder: UdpResponder,
  reply: z.string(),
  replyEncoding: payloadTextEncoding(),
  autoReplyRules: z.number(),
  /** The rules themselves, in match order (at most MAX_AUTO_REPLY_RULES). */
  autoReplies: z.array(AutoReplyRuleSchema),
  broadcast: z.boolean(),
  multicastTtl: z.number(),
  multicastLoopback: z.boolean(),
  multicastInterface: z.string().optional(),
  memberships: z.array(UdpMembership),
  datagramsIn: z.number(),
  datagramsOut: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  boundAt: z.number(),
});
export type UdpSocketInfo = z.infer<typeof UdpSocketInfo>;

export const MulticastGroupInput = z
  .object({
    session: sessionId(),
    group: z.string().trim().min(1, coded('INVALID_MULTICAST_GROUP', 'group is required')).max(64),
    /** IPv4: local interface address; IPv6: interface name or "::%name". Default: the system's choice. */
    interface: z.string().trim().min(1).max(64).optional(),
    /** Source-specific multicast (SSM): only datagrams from this source. */
    source: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

const SendFields = { data: payload(), encoding: payloadTextEncoding().default('text') };

export const udpContract = {
  bind: method(UdpBindInput, UdpSocketInfo),
  close: method(z.object({ session: sessionId() }).strict(), z.object({})),
  send: method(
    z.object({ session: sessionId(), host: host(), port: destPort(), ...SendFields }).strict(),
    z.object({ bytes: z.number(), to: z.string() }),
  ),
  /** Answers the sender of datagram `seq` (default: the latest one). */
  reply: method(
    z.object({ session: sessionId(), seq: z.number().int().min(1).optional(), ...SendFields }).strict(),
    z.object({ bytes: z.number(), to: z.string() }),
  ),
  setOptions: method(
    z
      .object({
        session: sessionId(),
        responder: UdpResponder.optional(),
        reply: payload().optional(),
        replyEncoding: payloadTextEncoding().optional(),
        autoReplies: autoReplies().optional(),
        broadcast: z.boolean().optional(),
        ttl: ttl().optional(),
        multicastTtl: mttl().optional(),
        multicastLoopback: z.boolean().optional(),
        multicastInterface: z.string().trim().min(1).max(64).optional(),
      })
      .strict(),
    UdpSocketInfo,
  ),
  join: method(MulticastGroupInput, UdpSocketInfo),
  leave: method(MulticastGroupInput, UdpSocketInfo),
  list: method(empty(), z.object({ sockets: z.array(UdpSocketInfo) })),
};

export interface UdpPeer {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export type UdpEvent =
  | ({
      engine: 'udp';
      type: 'datagram';
      session: string;
      at: number;
      /** 1, 2, … per socket; `reply({seq})` answers this datagram's sender. */
      seq: number;
      from: UdpPeer;
      /** What the socket answered by itself, if anything. */
      answered?: 'echo' | 'reply' | 'rule' | 'rate-limited';
    } & WireBytes)
  | ({ engine: 'udp'; type: 'sent'; session: string; at: number; to: UdpPeer; auto: boolean } & WireBytes)
  | {
      engine: 'udp';
      type: 'membership';
      session: string;
      at: number;
      group: string;
      joined: boolean;
      interface?: string;
    }
  | { engine: 'udp'; type: 'error'; session: string; at: number; code: string; message: string }
  | { engine: 'udp'; type: 'closed'; session: string; at: number };
