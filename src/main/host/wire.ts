// Encoding for the browser shell's WebSocket, done where the data is (the engine host), so the UI-side
// process forwards finished frames and never walks an event batch itself.
import type { WirelabEvent } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { wireEncodeBinary, wireStringify } from '../../shared/wire-json';

/** How many events of each (engine, session) a batch holds: all a dropped batch needs to be reported. */
export interface SessionCount {
  forEngine: string;
  session: string;
  count: number;
}

export interface EncodedBatch {
  /** wireEncodeBinary({kind:'events', events}) */
  frame: Uint8Array;
  counts: SessionCount[];
}

const nodeBase64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function encodeResult(result: Result<unknown>): string {
  return wireStringify(result, nodeBase64);
}

export function countBySession(batch: readonly WirelabEvent[]): SessionCount[] {
  const out = new Map<string, SessionCount>();
  for (const e of batch) {
    const forEngine = e.engine === 'bus' ? e.forEngine : e.engine;
    const count = e.engine === 'bus' ? e.count : 1;
    const key = `${forEngine}\u0000${e.session}`;
    const c = out.get(key);
    if (c) c.count += count;
    else out.set(key, { forEngine, session: e.session, count });
  }
  return [...out.values()];
}

export function encodeBatch(events: WirelabEvent[]): EncodedBatch {
  return { frame: wireEncodeBinary({ kind: 'events', events }), counts: countBySession(events) };
}
