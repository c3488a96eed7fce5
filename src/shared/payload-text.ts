// Payload text as Packet Sender users type it: `\XX` hex escapes (plus \n \r \t \0 \\) and macros
// ({{counter}}, {{timestamp}}, {{random}}, {{uuid}}). Pure: the caller supplies the clock, the counter and
// the randomness, so the same input always gives the same bytes in tests. Knows nothing of sockets.
import { encodeUtf8, parseHex, type DecodeResult } from './encoding';

/** How a payload string becomes bytes: plain UTF-8, UTF-8 with backslash escapes, or hex. */
export type PayloadTextEncoding = 'text' | 'escaped' | 'hex';

const SIMPLE_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0x00, '\\': 0x5c };

/**
 * `\XX` (two hex digits) is one byte; `\n \r \t \0 \\` are the usual control bytes. Everything else is
 * UTF-8. A backslash followed by anything else (or at the end) is INVALID_ESCAPE with its position.
 */
export function parseEscapes(text: string): DecodeResult {
  const out: number[] = [];
  let literal = '';
  const flush = () => {
    if (literal) for (const b of encodeUtf8(literal)) out.push(b);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== '\\') {
      literal += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) return bad(`a lone backslash at the end (position ${i})`);
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined && !/^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      flush();
      out.push(simple);
      i += 1;
      continue;
    }
    const pair = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(pair))
      return bad(`"\\${text.slice(i + 1, i + 3)}" at position ${i} is not \\XX`);
    flush();
    out.push(Number.parseInt(pair, 16));
    i += 2;
  }
  flush();
  return { ok: true, bytes: Uint8Array.from(out) };
}

function bad(message: string): DecodeResult {
  return { ok: false, error: { code: 'INVALID_ESCAPE', message } };
}

/**
 * Bytes → text that parseEscapes turns back into the same bytes: printable ASCII kept, CR LF and tab as
 * \r \n \t (how people write line endings), the rest \XX. (Never \0: before a hex digit it would read
 * as \0X.)
 */
export function toEscaped(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x09) s += '\\t';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\${b.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return s;
}

export interface MacroContext {
  /** 1 for the first send of a packet, 2 for the next, … */
  counter: number;
  /** Milliseconds since the epoch. */
  now: number;
  /** A uniformly random unsigned 32-bit integer. */
  random: () => number;
  /** A random RFC 4122 version-4 UUID. */
  uuid: () => string;
}

export const MACRO_NAMES = ['counter', 'timestamp', 'random', 'uuid'] as const;

/**
 * Replaces {{counter}} {{timestamp}} {{random}} {{uuid}} (spaces inside the braces allowed, names
 * case-insensitive). Unknown names stay as typed: payloads such as Mustache templates are legitimate.
 */
export function expandMacros(text: string, ctx: MacroContext): string {
  return text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => {
    switch (name.toLowerCase()) {
      case 'counter':
        return String(ctx.counter);
      case 'timestamp':
        return String(ctx.now);
      case 'random':
        return String(ctx.random() >>> 0);
      case 'uuid':
        return ctx.uuid();
      default:
        return whole;
    }
  });
}

export function hasMacros(text: string): boolean {
  return /\{\{\s*(counter|timestamp|random|uuid)\s*\}\}/i.test(text);
}

/** Formats 16 random bytes as a version-4 UUID. */
export function uuidFromBytes(b: Uint8Array): string {
  const x = Uint8Array.from(b.subarray(0, 16));
  x[6] = ((x[6] as number) & 0x0f) | 0x40;
  x[8] = ((x[8] as number) & 0x3f) | 0x80;
  const h = Array.from(x, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Text → bytes for any payload encoding. Macros are expanded first (text and escaped only, never in hex). */
export function encodePayloadText(
  data: string,
  encoding: PayloadTextEncoding,
  macros?: MacroContext,
): DecodeResult {
  if (encoding === 'hex') return parseHex(data);
  const expanded = macros ? expandMacros(data, macros) : data;
  return encoding === 'escaped' ? parseEscapes(expanded) : { ok: true, bytes: encodeUtf8(expanded) };
}
