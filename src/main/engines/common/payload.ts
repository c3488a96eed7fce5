// The one payload decoder of the socket engines (TCP, TLS, UDP, packets): text, text with \XX escapes,
// or hex, as shared/payload-text.ts defines them, so every tool and the CLI turn the same typed payload
// into the same bytes and refuse a bad one with the same code (INVALID_HEX, INVALID_ESCAPE).
import { encodePayloadText, type PayloadTextEncoding } from '../../../shared/payload-text';
import { EngineError } from './errors';

export function payloadBytes(data: string, encoding: PayloadTextEncoding): Uint8Array {
  const r = encodePayloadText(data, encoding);
  if (!r.ok) throw new EngineError(r.error.code, r.error.message);
  return r.bytes;
}
