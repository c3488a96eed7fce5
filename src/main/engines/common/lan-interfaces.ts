// Interfaces for LAN discovery (DNS-SD over multicast DNS) and TXT record values, shared by the chat
// engine's server discovery and the messenger's presence: multicast goes out of an interface chosen
// by its IPv4 address, and a TXT value may arrive as a string or as bytes.
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { ErrorCode } from '../../../shared/errors';
import { EngineError } from './errors';

/** Resolves an interface name or one of its IPv4 addresses to the IPv4 address multicast should use. */
export function interfaceIPv4(spec: string, code: ErrorCode): string {
  if (isIPv4(spec)) return spec;
  const list = networkInterfaces()[spec];
  const v4 = list?.find((a) => a.family === 'IPv4');
  if (!v4)
    throw new EngineError(
      code,
      `interface "${spec}" has no IPv4 address (known: ${Object.keys(networkInterfaces()).join(', ')})`,
    );
  return v4.address;
}

/** Every interface with an IPv4 address that is not loopback: where a LAN messenger announces by default. */
export function lanInterfaces(): { name: string; address: string }[] {
  const out: { name: string; address: string }[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) out.push({ name, address: v4.address });
  }
  return out;
}

export function txtString(txt: unknown, key: string): string | undefined {
  if (!txt || typeof txt !== 'object') return undefined;
  const v = (txt as Record<string, unknown>)[key];
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
}
