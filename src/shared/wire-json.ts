// JSON with binary: Uint8Array values travel as {"$b64": "..."} over text transports (the browser
// shell's WebSocket, the CLI's --json). IPC does not need this; structured clone keeps Uint8Array.
import { fromBase64, toBase64 } from './encoding';

/** `encode` lets Node callers pass a native base64 encoder (Buffer), which is several times faster. */
export function wireStringify(value: unknown, encode: (bytes: Uint8Array) => string = toBase64): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const raw = rawValue(this, key, v);
    return raw instanceof Uint8Array ? { $b64: encode(raw) } : v;
  });
}

/**
 * The value before `toJSON`: JSON.stringify calls a value's toJSON before the replacer sees it, and
 * Node's Buffer (a Uint8Array) has one that turns it into {type, data: [...]}. Reading the holder
 * keeps a Buffer that reaches a transport binary instead of silently becoming a number array.
 */
function rawValue(holder: unknown, key: string, v: unknown): unknown {
  return holder !== null && typeof holder === 'object' ? (holder as Record<string, unknown>)[key] : v;
}

export function wireParse(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$b64 === 'string' && Object.keys(o).length === 1) return fromBase64(o.$b64);
    }
    return v;
  });
}

/**
 * Binary framing for batches with many byte payloads (event batches): one frame holding a JSON header
 * and the payloads back to back, so bytes are neither base64-encoded nor JSON-escaped.
 * Layout: u32 header length (big endian) | header JSON {"v": value with {"$bin": i}, "b": [lengths]} | payloads.
 */
export function wireEncodeBinary(value: unknown): Uint8Array {
  const bins: Uint8Array[] = [];
  const body = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const raw = rawValue(this, key, v);
    if (raw instanceof Uint8Array) {
      bins.push(raw);
      return { $bin: bins.length - 1 };
    }
    return v;
  });
  const header = `{"v":${body ?? 'null'},"b":${JSON.stringify(bins.map((b) => b.length))}}`;
  const head = new TextEncoder().encode(header);
  let total = 4 + head.length;
  for (const b of bins) total += b.length;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  let off = 4 + head.length;
  for (const b of bins) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

export function wireDecodeBinary(frame: Uint8Array): unknown {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headLen = view.getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + headLen))) as {
    v: unknown;
    b: number[];
  };
  const bins: Uint8Array[] = [];
  let off = 4 + headLen;
  for (const len of header.b) {
    bins.push(frame.subarray(off, off + len));
    off += len;
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$bin === 'number' && Object.keys(o).length === 1) return bins[o.$bin];
      for (const k of Object.keys(o)) o[k] = revive(o[k]);
    }
    return v;
  };
  return revive(header.v);
}
