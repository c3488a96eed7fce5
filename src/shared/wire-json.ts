// JSON with binary: Uint8Array values travel as {"$b64": "..."} over text transports (the browser
// shell's WebSocket, the CLI's --json). IPC does not need this; structured clone keeps Uint8Array.
import { fromBase64, toBase64 } from './encoding';

/** `encode` lets Node callers pass a native base64 encoder (Buffer), which is several times faster. */
export function wireStringify(value: unknown, encode: (bytes: Uint8Array) => string = toBase64): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $b64: encode(v) } : v));
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
