// Turning typed input into WebSocket payloads and ws's received data into bytes.
import type { RawData } from 'ws';
import type { WsSendKind } from '../../../shared/contract/ws';
import { EngineError } from '../common/errors';
import { payloadBytes } from '../common/payload';

/** text → a text frame; hex → a binary frame; json → a text frame holding the validated JSON. */
export function sendBytes(data: string, kind: WsSendKind): { bytes: Uint8Array; binary: boolean } {
  if (kind === 'hex') return { bytes: payloadBytes(data, 'hex'), binary: true };
  if (kind === 'json') {
    try {
      JSON.parse(data);
    } catch (err) {
      throw new EngineError('INVALID_JSON', (err as Error).message);
    }
  }
  return { bytes: Buffer.from(data, 'utf8'), binary: false };
}

export function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
