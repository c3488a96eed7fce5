// Where `tcp send` / `udp send` take their payload: a TEXT argument, --hex, a file (--file F) or
// standard input (`-`). File and stdin bytes are sent exactly as they are: valid UTF-8 travels as
// contract `text`, anything else as `hex`, and the contract's payload cap decides what is too large —
// so an oversized file fails with the same LIMIT_EXCEEDED as the UI's call.
import { open } from 'node:fs/promises';
import { MAX_PAYLOAD_CHARS } from '../shared/contract/common';
import { toHex } from '../shared/encoding';
import { EngineError } from '../main/engines/common/errors';
import { UsageError } from './framework';

/**
 * Bytes read at most from a file or stdin. A UTF-8 text of more than 3 × cap bytes has more than
 * `cap` characters, so reading one byte past that is enough to be refused by the schema; the rest of
 * a huge file is never buffered.
 */
export const MAX_SOURCE_BYTES = 3 * MAX_PAYLOAD_CHARS + 1;

export interface ContractPayload<E extends string> {
  data: string;
  encoding: E;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as a contract payload: the text when they are valid UTF-8 (byte-exact round trip), else hex. */
export function bytesPayload(bytes: Uint8Array): ContractPayload<'text' | 'hex'> {
  try {
    return { data: utf8.decode(bytes), encoding: 'text' };
  } catch {
    return { data: toHex(bytes, ''), encoding: 'hex' };
  }
}

async function readFileBounded(file: string, max: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new EngineError('FILE_UNREADABLE', `${file}: ${(err as Error).message}`);
  }
  try {
    const buf = new Uint8Array(max);
    let n = 0;
    while (n < max) {
      const { bytesRead } = await fh.read(buf, n, max - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch (err) {
    throw new EngineError('FILE_UNREADABLE', `${file}: ${(err as Error).message}`);
  } finally {
    await fh.close();
  }
}

async function readStreamBounded(stream: NodeJS.ReadableStream, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const c = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    chunks.push(c.subarray(0, max - n));
    n += Math.min(c.length, max - n);
    if (n >= max) break;
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export interface PayloadArgs {
  /** The TEXT positional, if given ("-" means standard input). */
  text: string | undefined;
  hex: unknown;
  file: unknown;
  stdin: NodeJS.ReadableStream;
}

/**
 * The one payload a send command was given, or undefined when none was. `textEncoding` is how a
 * TEXT argument is read (TCP: plain text; UDP: with \XX escapes).
 */
export async function readPayload<T extends string>(
  a: PayloadArgs,
  textEncoding: T,
): Promise<ContractPayload<T | 'text' | 'hex'> | undefined> {
  const fromStdin = a.text === '-';
  const given = [a.text !== undefined, typeof a.hex === 'string', typeof a.file === 'string'];
  if (given.filter(Boolean).length > 1)
    throw new UsageError('give one payload: TEXT, -, --hex HEX or --file F');
  if (typeof a.hex === 'string') return { data: a.hex, encoding: 'hex' };
  if (typeof a.file === 'string') return bytesPayload(await readFileBounded(a.file, MAX_SOURCE_BYTES));
  if (fromStdin) return bytesPayload(await readStreamBounded(a.stdin, MAX_SOURCE_BYTES));
  if (a.text !== undefined) return { data: a.text, encoding: textEncoding };
  return undefined;
}
