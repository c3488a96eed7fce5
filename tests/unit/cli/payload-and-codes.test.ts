// CLI pieces without sockets: how file/stdin bytes become a contract payload, how words become numbers
// for the schema, and which errors count as bad input (exit 2).
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { bytesPayload, MAX_SOURCE_BYTES, readPayload } from '../../../src/cli/payload-source';
import { numArg, optNum, reportError, UsageError } from '../../../src/cli/framework';
import { CallError, isInputError } from '../../../src/cli/client';
import { EngineError } from '../../../src/main/engines/common/errors';
import { encodePayload } from '../../../src/shared/encoding';
import { MAX_PAYLOAD_CHARS } from '../../../src/shared/contract/common';

describe('bytesPayload', () => {
  it('UTF-8 travels as text and round-trips byte for byte (BOM and CRLF kept)', () => {
    const bytes = new Uint8Array(Buffer.from('\ufeffgrüße\r\n{{counter}}\\q', 'utf8'));
    const p = bytesPayload(bytes);
    expect(p.encoding).toBe('text');
    const back = encodePayload(p.data, p.encoding);
    expect(back.ok && Buffer.from(back.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it('anything else travels as hex', () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xc3]);
    expect(bytesPayload(bytes)).toEqual({ data: 'ff00c3', encoding: 'hex' });
  });
});

describe('readPayload', () => {
  const none = { text: undefined, hex: undefined, file: undefined, stdin: new PassThrough() };

  it('one source at most; TEXT keeps the command’s encoding; none → undefined', async () => {
    expect(await readPayload({ ...none, text: 'a\\41' }, 'escaped')).toEqual({
      data: 'a\\41',
      encoding: 'escaped',
    });
    expect(await readPayload({ ...none, hex: '41' }, 'text')).toEqual({ data: '41', encoding: 'hex' });
    expect(await readPayload(none, 'text')).toBeUndefined();
    await expect(readPayload({ ...none, text: 'x', file: '/dev/null' }, 'text')).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('stdin is read up to MAX_SOURCE_BYTES, which is over the cap in characters', async () => {
    const stdin = new PassThrough();
    stdin.end(Buffer.alloc(MAX_SOURCE_BYTES + 1024 * 1024, 0x61));
    const p = await readPayload({ ...none, text: '-', stdin }, 'text');
    expect(p!.data.length).toBe(MAX_SOURCE_BYTES);
    expect(p!.data.length).toBeGreaterThan(MAX_PAYLOAD_CHARS);
  });
});

describe('numbers for the schema', () => {
  it('plain numbers pass through; anything else is NaN for the schema to refuse', () => {
    expect(numArg('8080')).toBe(8080);
    expect(numArg('0.5')).toBe(0.5);
    expect(numArg('-1')).toBe(-1);
    expect(numArg('0x10')).toBeNaN();
    expect(numArg('')).toBeNaN();
    expect(numArg(undefined)).toBeNaN();
    expect(optNum(undefined)).toBeUndefined();
  });
});

describe('bad input is exit 2', () => {
  const sink = () => {
    let text = '';
    const s = new PassThrough();
    s.on('data', (d: Buffer) => (text += d.toString()));
    return { s, text: () => text };
  };
  const exit = (err: unknown) => {
    const out = sink();
    const err2 = sink();
    return reportError(err, false, { stdout: out.s, stderr: err2.s, stdin: new PassThrough() });
  };

  it('refused by the schema, or an input code from the engine → 2; an operation that failed → 1', () => {
    expect(exit(new CallError({ code: 'LIMIT_EXCEEDED', message: 'payload too large' }, true))).toBe(2);
    expect(exit(new CallError({ code: 'LIMIT_EXCEEDED', message: 'maxSockets reached' }, false))).toBe(1);
    expect(exit(new CallError({ code: 'INVALID_ESCAPE', message: '\\q' }, false))).toBe(2);
    expect(exit(new EngineError('INVALID_HEX', 'zz'))).toBe(2);
    expect(exit(new EngineError('CONNECTION_REFUSED', 'refused'))).toBe(1);
    expect(exit(new UsageError('needs PORT'))).toBe(2);
    expect(isInputError(new Error('x'))).toBe(false);
  });
});
