// Byte <-> text helpers that run unchanged in Node, the sandboxed preload and the browser:
// only Uint8Array, TextEncoder/TextDecoder and plain string work — no Buffer.

import type { ErrorInfo } from './errors';

export type DecodeResult = { ok: true; bytes: Uint8Array } | { ok: false; error: ErrorInfo };

/** Parses hex like "48 65 6c", "48656c", "0x48 0x65" or "48:65". Whitespace, ':' and '-' separate. */
export function parseHex(text: string): DecodeResult {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (cleaned.length % 2 !== 0) {
    return {
      ok: false,
      error: { code: 'INVALID_HEX', message: `odd number of hex digits (${cleaned.length})` },
    };
  }
  const bad = /[^0-9a-fA-F]/.exec(cleaned);
  if (bad) {
    return { ok: false, error: { code: 'INVALID_HEX', message: `"${bad[0]}" is not a hex digit` } };
  }
  const bytes = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(cleaned.slice(i * 2, i * 2 + 2), 16);
  return { ok: true, bytes };
}

export function toHex(bytes: Uint8Array, separator = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += (bytes[i] as number).toString(16).padStart(2, '0');
  }
  return out;
}

/** Classic hex dump: offset, 16 hex bytes, printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = toHex(row).padEnd(47, ' ');
    let ascii = '';
    for (const b of row) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of clean) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, j);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const latin1Decoder = new TextDecoder('latin1');

export type TextView = 'utf8' | 'latin1' | 'hex';

export function decodeBytes(bytes: Uint8Array, view: TextView): string {
  if (view === 'hex') return toHex(bytes);
  return view === 'latin1' ? latin1Decoder.decode(bytes) : utf8Decoder.decode(bytes);
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Payload as the user typed it: UTF-8 text or hex. */
export type PayloadEncoding = 'text' | 'hex';

export function encodePayload(data: string, encoding: PayloadEncoding): DecodeResult {
  return encoding === 'hex' ? parseHex(data) : { ok: true, bytes: encodeUtf8(data) };
}
