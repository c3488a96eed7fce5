// PROXY protocol headers (HAProxy's spec, versions 1 and 2) sent to a backend before the client's
// bytes, so the backend sees the real client address instead of the balancer's. Only the TCP-over-IP
// forms are produced; UNKNOWN is used when an address family cannot be told (never for a live TCP
// connection on IPv4/IPv6).
import { isIPv4, isIPv6 } from 'node:net';

export interface ProxyAddresses {
  sourceAddress: string;
  sourcePort: number;
  destAddress: string;
  destPort: number;
}

/** The 12-byte signature that opens every v2 header. */
export const PROXY_V2_SIGNATURE = Uint8Array.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** `::ffff:1.2.3.4` (a v4 client on a dual-stack socket) is reported as plain IPv4, as HAProxy does. */
function unmap(addr: string): string {
  return addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

function family(a: ProxyAddresses): { src: string; dst: string; fam: 4 | 6 | 0 } {
  const src = unmap(a.sourceAddress);
  const dst = unmap(a.destAddress);
  if (isIPv4(src) && isIPv4(dst)) return { src, dst, fam: 4 };
  if (isIPv6(src) && isIPv6(dst)) return { src, dst, fam: 6 };
  // Mixed families: map the v4 side into v6 so both fit one TCP6 header.
  if ((isIPv4(src) || isIPv6(src)) && (isIPv4(dst) || isIPv6(dst))) {
    return { src: isIPv4(src) ? `::ffff:${src}` : src, dst: isIPv4(dst) ? `::ffff:${dst}` : dst, fam: 6 };
  }
  return { src, dst, fam: 0 };
}

export function proxyHeaderV1(a: ProxyAddresses): Buffer {
  const f = family(a);
  if (f.fam === 0) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY TCP${f.fam} ${f.src} ${f.dst} ${a.sourcePort} ${a.destPort}\r\n`, 'latin1');
}

function ipv4Bytes(addr: string): number[] {
  return addr.split('.').map(Number);
}

/** 16 bytes of an IPv6 literal (with :: and an optional dotted-quad tail). */
export function ipv6Bytes(addr: string): number[] {
  let text = addr.split('%')[0] as string;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const q = ipv4Bytes(last) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - h.length - r.length).fill('0');
  return [...h, ...fill, ...r].map((g) => parseInt(g || '0', 16)).flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

export function proxyHeaderV2(a: ProxyAddresses): Buffer {
  const f = family(a);
  if (f.fam === 0) {
    const h = Buffer.alloc(16);
    h.set(PROXY_V2_SIGNATURE, 0);
    h[12] = 0x21; // version 2, PROXY command
    h[13] = 0x00; // UNSPEC
    h.writeUInt16BE(0, 14);
    return h;
  }
  const addrLen = f.fam === 4 ? 12 : 36;
  const h = Buffer.alloc(16 + addrLen);
  h.set(PROXY_V2_SIGNATURE, 0);
  h[12] = 0x21;
  h[13] = f.fam === 4 ? 0x11 : 0x21; // TCP over IPv4 / IPv6
  h.writeUInt16BE(addrLen, 14);
  if (f.fam === 4) {
    h.set(ipv4Bytes(f.src), 16);
    h.set(ipv4Bytes(f.dst), 20);
    h.writeUInt16BE(a.sourcePort, 24);
    h.writeUInt16BE(a.destPort, 26);
  } else {
    h.set(ipv6Bytes(f.src), 16);
    h.set(ipv6Bytes(f.dst), 32);
    h.writeUInt16BE(a.sourcePort, 48);
    h.writeUInt16BE(a.destPort, 50);
  }
  return h;
}

export type ParsedProxyHeader =
  | { complete: true; version: 1 | 2; addresses: ProxyAddresses | null; headerLength: number }
  | { complete: false; needMore: true }
  | { complete: false; needMore: false; error: string };

/** v1 headers are at most 107 bytes (spec §2.1); anything longer without CRLF is not a header. */
const V1_MAX = 107;

/**
 * Parses a PROXY header at the start of `buf` (for demo backends that accept it, and tests).
 * `needMore` while the header may still be incomplete.
 */
export function parseProxyHeader(buf: Buffer): ParsedProxyHeader {
  if (buf.length >= 1 && buf[0] === 0x0d) {
    const sigLen = Math.min(buf.length, 12);
    if (!buf.subarray(0, sigLen).equals(Buffer.from(PROXY_V2_SIGNATURE.subarray(0, sigLen))))
      return { complete: false, needMore: false, error: 'bad v2 signature' };
    if (buf.length < 16) return { complete: false, needMore: true };
    const len = buf.readUInt16BE(14);
    if (buf.length < 16 + len) return { complete: false, needMore: true };
    if ((buf[12] as number) >> 4 !== 2) return { complete: false, needMore: false, error: 'bad v2 version' };
    const fam = buf[13];
    let addresses: ProxyAddresses | null = null;
    if (fam === 0x11 && len >= 12) {
      addresses = {
        sourceAddress: [...buf.subarray(16, 20)].join('.'),
        destAddress: [...buf.subarray(20, 24)].join('.'),
        sourcePort: buf.readUInt16BE(24),
        destPort: buf.readUInt16BE(26),
      };
    } else if (fam === 0x21 && len >= 36) {
      const v6 = (o: number) =>
        Array.from({ length: 8 }, (_, i) => buf.readUInt16BE(o + i * 2).toString(16)).join(':');
      addresses = {
        sourceAddress: v6(16),
        destAddress: v6(32),
        sourcePort: buf.readUInt16BE(48),
        destPort: buf.readUInt16BE(50),
      };
    }
    return { complete: true, version: 2, addresses, headerLength: 16 + len };
  }
  const prefix = 'PROXY ';
  const head = buf.subarray(0, Math.min(buf.length, prefix.length)).toString('latin1');
  if (!prefix.startsWith(head)) return { complete: false, needMore: false, error: 'not a PROXY header' };
  const end = buf.indexOf('\r\n');
  if (end < 0)
    return buf.length >= V1_MAX
      ? { complete: false, needMore: false, error: 'v1 header too long' }
      : { complete: false, needMore: true };
  const parts = buf.subarray(0, end).toString('latin1').split(' ');
  if (parts[1] === 'UNKNOWN') return { complete: true, version: 1, addresses: null, headerLength: end + 2 };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6'))
    return { complete: false, needMore: false, error: 'malformed v1 header' };
  return {
    complete: true,
    version: 1,
    addresses: {
      sourceAddress: parts[2] as string,
      destAddress: parts[3] as string,
      sourcePort: Number(parts[4]),
      destPort: Number(parts[5]),
    },
    headerLength: end + 2,
  };
}
