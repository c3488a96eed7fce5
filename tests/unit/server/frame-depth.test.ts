// The browser shell's streaming depth check: it follows a client's masked WebSocket frames chunk by
// chunk (headers split anywhere, fragmented messages, control frames in between) and refuses a text
// message at the first bracket past the limit — before the rest of the frame has arrived.
import { describe, expect, it } from 'vitest';
import { JsonDepthScanner, RequestDepthGuard } from '../../../src/server/frame-depth';

const text = (s: string) => new TextEncoder().encode(s);

/** One client frame as a browser sends it: FIN/opcode, masked payload, 7/16/64-bit length. */
function frame(opcode: number, payload: Uint8Array, fin = true, key = [0x12, 0x34, 0x56, 0x78]): Uint8Array {
  const len = payload.length;
  const ext =
    len < 126
      ? []
      : len < 65536
        ? [len >> 8, len & 0xff]
        : [0, 0, 0, 0, len >>> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
  const len7 = len < 126 ? len : len < 65536 ? 126 : 127;
  const head = [(fin ? 0x80 : 0) | opcode, 0x80 | len7, ...ext, ...key];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  for (let i = 0; i < len; i++) out[head.length + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Feeds `bytes` in chunks of `size`; the index of the chunk that was refused, or -1. */
function feedChunks(guard: RequestDepthGuard, bytes: Uint8Array, size: number): number {
  for (let at = 0, n = 0; at < bytes.length; at += size, n++)
    if (!guard.feed(bytes.subarray(at, at + size))) return n;
  return -1;
}

const nested = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;

describe('JsonDepthScanner', () => {
  it('keeps string and escape state across chunks', () => {
    const s = new JsonDepthScanner(1);
    // `{"a":"\"[[` split after the backslash: the quote after it is escaped, the brackets are in the string.
    expect(s.feed(text('{"a":"\\'))).toBe(true);
    expect(s.feed(text('"[[[["}'))).toBe(true);
    expect(s.feed(text('{'))).toBe(true);
    expect(s.feed(text('['))).toBe(false);
  });
});

describe('RequestDepthGuard', () => {
  it('lets frames at the limit through, split at every possible position', () => {
    const stream = concat(
      frame(0x1, text(nested(4))),
      frame(0x9, text('ping')),
      frame(0x1, text('{"a":"[[[[[[[[","b":[{}]}')),
    );
    for (let size = 1; size <= stream.length; size++)
      expect(feedChunks(new RequestDepthGuard(4), stream, size)).toBe(-1);
  });

  it('refuses one bracket past the limit, wherever the chunks split', () => {
    const stream = concat(frame(0x1, text('{"ok":1}')), frame(0x1, text(nested(5))));
    for (let size = 1; size <= stream.length; size++)
      expect(feedChunks(new RequestDepthGuard(4), stream, size)).toBeGreaterThanOrEqual(0);
  });

  it('counts depth across a fragmented message, with a control frame between fragments', () => {
    const ok = concat(
      frame(0x1, text('[[['), false),
      frame(0xa, text('pong')),
      frame(0x0, text(']]]'), true),
      frame(0x1, text('[[[]]]')),
    );
    expect(new RequestDepthGuard(3).feed(ok)).toBe(true);
    const deep = concat(
      frame(0x1, text('[[['), false),
      frame(0x9, new Uint8Array(0)),
      frame(0x0, text('[]]]]')),
    );
    expect(new RequestDepthGuard(3).feed(deep)).toBe(false);
  });

  it('resets between messages and skips binary messages', () => {
    const g = new RequestDepthGuard(2);
    // An unclosed text message does not carry its depth into the next one.
    expect(g.feed(frame(0x1, text('[[')))).toBe(true);
    expect(g.feed(frame(0x1, text('[[]]')))).toBe(true);
    expect(g.feed(frame(0x2, new Uint8Array(1000).fill(0x5b)))).toBe(true);
    expect(g.feed(frame(0x1, text('[[[')))).toBe(false);
    // Once refused, the rest of the stream is refused too.
    expect(g.feed(frame(0x1, text('{}')))).toBe(false);
  });

  it('reads 16- and 64-bit payload lengths', () => {
    const big = `[${'"x",'.repeat(20_000)}[1]]`; // > 65535 bytes: 64-bit length
    const mid = `[${' '.repeat(1000)}[[1]]]`; // 16-bit length
    const g = new RequestDepthGuard(3);
    expect(g.feed(concat(frame(0x1, text(mid)), frame(0x1, text(big))))).toBe(true);
    expect(g.feed(frame(0x1, text(`[${' '.repeat(70_000)}[[[1]]]]`)))).toBe(false);
  });

  it('refuses a 4M-deep 8 MB frame in its first 64 KiB chunk', () => {
    const payload = new Uint8Array(8_000_000).fill(0x5d).fill(0x5b, 0, 4_000_000);
    const g = new RequestDepthGuard(256);
    expect(feedChunks(g, frame(0x1, payload), 64 * 1024)).toBe(0);
  });
});
