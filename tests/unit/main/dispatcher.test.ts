import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { method, port } from '../../../src/shared/contract';
import { EngineError } from '../../../src/main/engines/common/errors';

const contract = {
  demo: {
    add: method(z.object({ a: z.number(), b: z.number().default(1) }).strict(), z.number()),
    fail: method(z.object({}).strict(), z.never()),
    crash: method(z.object({}).strict(), z.never()),
    listen: method(z.object({ port: port() }).strict(), z.number()),
  },
};

const d = createDispatcher(contract, {
  demo: {
    add: ({ a, b }) => a + b,
    fail: () => {
      throw new EngineError('CONNECTION_REFUSED', 'nobody home');
    },
    crash: () => {
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    },
    listen: async ({ port: p }) => p,
  },
});

describe('dispatcher', () => {
  it('validates, applies defaults and calls the handler', async () => {
    expect(await d.call('demo.add', { a: 2 })).toEqual({ ok: true, value: 3 });
  });
  it('unknown channels, prototype keys and non-strings are UNKNOWN_CHANNEL', async () => {
    for (const ch of ['demo.nope', 'nope.add', 'demo.constructor', '__proto__.toString', 42]) {
      expect(await d.call(ch as string, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });
  it('invalid input is INVALID_INPUT with the path; coded schema messages keep their code', async () => {
    expect(await d.call('demo.add', { a: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('a:') },
    });
    expect(await d.call('demo.add', { a: 1, evil: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await d.call('demo.listen', { port: 99999 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
  });
  it('engine errors keep their code; Node errno maps to a code', async () => {
    expect(await d.call('demo.fail', {})).toEqual({
      ok: false,
      error: { code: 'CONNECTION_REFUSED', message: 'nobody home' },
    });
    expect(await d.call('demo.crash', {})).toMatchObject({ ok: false, error: { code: 'ADDRESS_IN_USE' } });
  });
  it('lists its channels', () => {
    expect(d.channels()).toEqual(['demo.add', 'demo.fail', 'demo.crash', 'demo.listen']);
  });
  it('under tests, an answer that does not match the output schema is INTERNAL with the path', async () => {
    const c = { demo: { info: method(z.object({}).strict(), z.object({ port: z.number() })) } };
    const wrong = { demo: { info: () => ({ port: 'x' }) as unknown as { port: number } } };
    const checked = createDispatcher(c, wrong);
    expect(await checked.call('demo.info', {})).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('demo.info') },
    });
    expect(await checked.call('demo.info', {})).toMatchObject({
      error: { message: expect.stringContaining('port') },
    });
    // In the app (checks off) the answer passes through untouched.
    expect(await createDispatcher(c, wrong, { checkOutputs: false }).call('demo.info', {})).toEqual({
      ok: true,
      value: { port: 'x' },
    });
  });
});
