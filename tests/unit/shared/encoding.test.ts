import { describe, expect, it } from 'vitest';
import {
  decodeBytes,
  encodePayload,
  fromBase64,
  hexDump,
  parseHex,
  toBase64,
  toHex,
} from '../../../src/shared/encoding';
import { wireParse, wireStringify } from '../../../src/shared/wire-json';

describe('hex', () => {
  it('parses the usual spellings', () => {
    for (const t of [
      '48656c6c6f',
      '48 65 6c 6c 6f',
      '0x48 0x65 0x6c 0x6c 0x6f',
      '48:65:6C:6C:6F',
      '48-65-6c-6c-6f\n',
    ]) {
      const r = parseHex(t);
      expect(r.ok && new TextDecoder().decode(r.bytes)).toBe('Hello');
    }
  });
  it('rejects odd lengths and non-hex with INVALID_HEX', () => {
    expect(parseHex('123')).toMatchObject({ ok: false, error: { code: 'INVALID_HEX' } });
    expect(parseHex('zz')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_HEX', message: expect.stringContaining('"z"') },
    });
  });
  it('round-trips all byte values', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = parseHex(toHex(all));
    expect(r.ok && [...r.bytes]).toEqual([...all]);
  });
  it('hex dump shows offsets and printable ASCII', () => {
    const d = hexDump(new TextEncoder().encode('Hello, TCP Server!'));
    expect(d.split('\n')[0]).toMatch(/^00000000 {2}48 65 6c 6c 6f .* Hello, TCP Serve$/);
    expect(d.split('\n')[1]).toMatch(/^00000010 {2}72 21/);
  });
});

describe('base64 and wire JSON', () => {
  it('matches Node for every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect([...fromBase64(toBase64(b))]).toEqual([...b]);
    }
  });
  it('carries Uint8Array through JSON', () => {
    const v = { a: 1, data: new Uint8Array([0, 255, 10]), nested: [{ data: new Uint8Array([]) }] };
    const back = wireParse(wireStringify(v)) as typeof v;
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect([...back.data]).toEqual([0, 255, 10]);
    expect(back.nested[0]!.data).toBeInstanceOf(Uint8Array);
  });
});

describe('decode views', () => {
  it('utf8, latin1 and hex', () => {
    const b = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(decodeBytes(b, 'latin1')).toBe('café');
    expect(decodeBytes(b, 'utf8')).toBe('caf\ufffd');
    expect(decodeBytes(b, 'hex')).toBe('63 61 66 e9');
  });
  it('encodePayload: text is UTF-8', () => {
    const r = encodePayload('é', 'text');
    expect(r.ok && [...r.bytes]).toEqual([0xc3, 0xa9]);
  });
});

describe('binary wire frames', () => {
  it('round-trips nested payloads without base64', async () => {
    const { wireEncodeBinary, wireDecodeBinary } = await import('../../../src/shared/wire-json');
    const v = {
      kind: 'events',
      events: [{ a: 1, data: new Uint8Array([1, 2, 3]) }, { data: new Uint8Array(0), s: 'é"\n' }, null],
    };
    const frame = wireEncodeBinary(v);
    const back = wireDecodeBinary(frame) as typeof v;
    expect([...back.events[0]!.data]).toEqual([1, 2, 3]);
    expect(back.events[1]).toMatchObject({ s: 'é"\n' });
    expect(back.events[1]!.data).toBeInstanceOf(Uint8Array);
    expect(back.events[2]).toBeNull();
    // Payload bytes appear raw at the end of the frame.
    expect([...frame.subarray(frame.length - 3)]).toEqual([1, 2, 3]);
  });
  it('a Node Buffer stays bytes in both encodings (its toJSON would turn it into a number array)', async () => {
    const { wireEncodeBinary, wireDecodeBinary } = await import('../../../src/shared/wire-json');
    const v = { data: Buffer.from('hi'), nested: [Buffer.from([0xff])] };
    const a = wireDecodeBinary(wireEncodeBinary(v)) as { data: Uint8Array; nested: Uint8Array[] };
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect([...a.data]).toEqual([0x68, 0x69]);
    expect([...a.nested[0]!]).toEqual([0xff]);
    const b = wireParse(wireStringify(v)) as { data: Uint8Array };
    expect(b.data).toBeInstanceOf(Uint8Array);
    expect([...b.data]).toEqual([0x68, 0x69]);
    expect([...(wireParse(wireStringify(Buffer.from([7]))) as Uint8Array)]).toEqual([7]);
  });
});
