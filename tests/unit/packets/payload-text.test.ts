import { describe, expect, it } from 'vitest';
import {
  encodePayloadText,
  expandMacros,
  hasMacros,
  parseEscapes,
  toEscaped,
  uuidFromBytes,
  type MacroContext,
} from '../../../src/shared/payload-text';
import { compileAutoReplies, findAutoReply } from '../../../src/shared/autoreply';

const bytes = (r: ReturnType<typeof parseEscapes>) => (r.ok ? Array.from(r.bytes) : r.error.code);

describe('\\XX escapes', () => {
  it('turns \\XX into one byte and keeps UTF-8 text', () => {
    expect(bytes(parseEscapes('A\\0D\\0aB'))).toEqual([0x41, 0x0d, 0x0a, 0x42]);
    expect(bytes(parseEscapes('\\FF\\00'))).toEqual([0xff, 0x00]);
    expect(bytes(parseEscapes('é'))).toEqual([0xc3, 0xa9]);
    expect(bytes(parseEscapes(''))).toEqual([]);
  });
  it('knows \\n \\r \\t \\0 \\\\ and prefers a hex pair when one follows', () => {
    expect(bytes(parseEscapes('a\\r\\n\\tb'))).toEqual([0x61, 0x0d, 0x0a, 0x09, 0x62]);
    expect(bytes(parseEscapes('\\\\41'))).toEqual([0x5c, 0x34, 0x31]);
    expect(bytes(parseEscapes('\\0x'))).toEqual([0x00, 0x78]);
    expect(bytes(parseEscapes('\\0A'))).toEqual([0x0a]);
  });
  it('rejects bad escapes with INVALID_ESCAPE and the position', () => {
    const r = parseEscapes('ab\\zz');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_ESCAPE');
      expect(r.error.message).toContain('position 2');
    }
    expect(bytes(parseEscapes('end\\'))).toBe('INVALID_ESCAPE');
    expect(bytes(parseEscapes('\\4'))).toBe('INVALID_ESCAPE');
    expect(bytes(parseEscapes('\\G1'))).toBe('INVALID_ESCAPE');
  });
  it('toEscaped round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = parseEscapes(toEscaped(all));
    expect(r.ok && Array.from(r.bytes)).toEqual(Array.from(all));
    expect(toEscaped(Uint8Array.from([0x48, 0x0d, 0x5c]))).toBe('H\\r\\\\');
    expect(toEscaped(Uint8Array.from([0x0d, 0x0a, 0x09, 0x00, 0x41]))).toBe('\\r\\n\\t\\00A');
  });
});

describe('macros', () => {
  const ctx: MacroContext = {
    counter: 7,
    now: 1_700_000_000_123,
    random: () => 0xdeadbeef,
    uuid: () => '00000000-0000-4000-8000-000000000000',
  };
  it('expands the four macros, spaces and case allowed', () => {
    expect(expandMacros('n={{counter}} t={{ timestamp }} r={{RANDOM}} u={{uuid}}', ctx)).toBe(
      'n=7 t=1700000000123 r=3735928559 u=00000000-0000-4000-8000-000000000000',
    );
  });
  it('leaves unknown names and lone braces alone', () => {
    expect(expandMacros('{{name}} {counter} {{ }}', ctx)).toBe('{{name}} {counter} {{ }}');
    expect(hasMacros('{{name}}')).toBe(false);
    expect(hasMacros('x{{Counter}}')).toBe(true);
  });
  it('expands before escapes; never inside hex', () => {
    const t = encodePayloadText('#{{counter}}\\0A', 'escaped', ctx);
    expect(t.ok && Buffer.from(t.bytes).toString()).toBe('#7\n');
    const h = encodePayloadText('{{counter}}', 'hex', ctx);
    expect(h.ok).toBe(false);
    const plain = encodePayloadText('\\0A{{counter}}', 'text', ctx);
    expect(plain.ok && Buffer.from(plain.bytes).toString()).toBe('\\0A7');
  });
  it('uuidFromBytes sets version 4 and the RFC 4122 variant', () => {
    const u = uuidFromBytes(new Uint8Array(16).fill(0xff));
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('auto-reply rules', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('matches equals / contains / startsWith / regex / any in order', () => {
    const r = compileAutoReplies([
      { match: 'equals', pattern: 'PING', patternEncoding: 'text', reply: 'PONG', replyEncoding: 'text' },
      {
        match: 'startsWith',
        pattern: '01 02',
        patternEncoding: 'hex',
        reply: '\\06',
        replyEncoding: 'escaped',
      },
      { match: 'contains', pattern: 'help', patternEncoding: 'text', reply: 'no', replyEncoding: 'text' },
      { match: 'regex', pattern: '^\\d+$', patternEncoding: 'text', reply: 'number', replyEncoding: 'text' },
      { match: 'any', pattern: '', patternEncoding: 'text', reply: 'fallback', replyEncoding: 'text' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const answer = (b: Uint8Array) => Buffer.from(findAutoReply(r.rules, b)!.reply).toString('latin1');
    expect(answer(enc('PING'))).toBe('PONG');
    expect(answer(enc('PING '))).toBe('fallback');
    expect(answer(Uint8Array.from([1, 2, 3]))).toBe('\x06');
    expect(answer(enc('please help me'))).toBe('no');
    expect(answer(enc('12345'))).toBe('number');
  });
  it('no rule → undefined; bad rules are coded errors', () => {
    const r = compileAutoReplies([
      { match: 'equals', pattern: 'a', patternEncoding: 'text', reply: 'b', replyEncoding: 'text' },
    ]);
    expect(r.ok && findAutoReply(r.rules, enc('z'))).toBeUndefined();
    const badHex = compileAutoReplies([
      { match: 'contains', pattern: 'xyz', patternEncoding: 'hex', reply: 'b', replyEncoding: 'text' },
    ]);
    expect(!badHex.ok && badHex.error.code).toBe('INVALID_HEX');
    const badRe = compileAutoReplies([
      { match: 'regex', pattern: '[', patternEncoding: 'text', reply: 'b', replyEncoding: 'text' },
    ]);
    expect(!badRe.ok && badRe.error.code).toBe('INVALID_INPUT');
    const badReply = compileAutoReplies([
      { match: 'any', pattern: '', patternEncoding: 'text', reply: '\\x', replyEncoding: 'escaped' },
    ]);
    expect(!badReply.ok && badReply.error.code).toBe('INVALID_ESCAPE');
  });
});
