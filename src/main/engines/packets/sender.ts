// What the packet library needs to put a packet on the wire: a sender per job, opened for a target.
// The implementation (over the TCP, TLS and UDP engines) is injected by the composition root
// (src/main/packet-senders.ts), so this engine imports no other engine.
import type { PacketProtocol } from '../../../shared/contract/packets';

export interface Answer {
  data: Uint8Array;
  from: string;
}

export interface Sender {
  /** Sends, then collects answers until the first one arrives (plus a short settle) or `waitMs` passes. */
  send(bytes: Uint8Array, waitMs: number, onSent: () => void): Promise<Answer[]>;
  close(): Promise<void>;
}

export interface Target {
  protocol: PacketProtocol;
  host: string;
  port: number;
  connectTimeoutMs: number;
  tlsVerify: boolean;
  servername?: string;
}

/** Opens a sender for one job toward `target`. */
export type OpenSender = (target: Target) => Promise<Sender>;
