import { describe, expect, it } from 'vitest';
import {
  buildContractApi,
  contract,
  findMethod,
  listChannels,
  zodErrorToInfo,
} from '../../../src/shared/contract';
import { errorSentence, errorSentences } from '../../../src/shared/errors';

describe('contract', () => {
  it('derives channel names engine.method and finds them', () => {
    const channels = listChannels(contract);
    expect(channels).toContain('tcp.serverStart');
    expect(channels).toContain('app.info');
    expect(findMethod(contract, 'tcp.serverStart')).toBe(contract.tcp.serverStart);
    expect(findMethod(contract, 'tcp.toString')).toBeUndefined();
    expect(findMethod(contract, '__proto__.x')).toBeUndefined();
    expect(findMethod(contract, 'nodot')).toBeUndefined();
  });

  it('applies documented defaults', () => {
    const v = contract.tcp.serverStart.input.parse({ port: 0 });
    expect(v).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      echo: false,
      maxClients: 1000,
      welcomeEncoding: 'text',
    });
    expect(contract.tcp.clientConnect.input.parse({ host: 'h', port: 1 }).timeoutMs).toBe(10_000);
  });

  it.each([
    [{ port: 70000 }, 'PORT_OUT_OF_RANGE'],
    [{ port: -1 }, 'PORT_OUT_OF_RANGE'],
    [{ port: 1.5 }, 'PORT_OUT_OF_RANGE'],
    [{ port: null }, 'PORT_OUT_OF_RANGE'],
    [{ port: 1, extra: true }, 'INVALID_INPUT'],
    [{ port: 1, host: '' }, 'INVALID_INPUT'],
  ])('serverStart %j → %s', (input, code) => {
    const r = contract.tcp.serverStart.input.safeParse(input);
    expect(r.success).toBe(false);
    if (!r.success) expect(zodErrorToInfo(r.error).code).toBe(code);
  });

  it('a client cannot connect to port 0', () => {
    const r = contract.tcp.clientConnect.input.safeParse({ host: 'h', port: 0 });
    expect(!r.success && zodErrorToInfo(r.error).code).toBe('PORT_OUT_OF_RANGE');
  });

  it('builds a frozen API object with one function per method and nothing generic', async () => {
    const calls: [string, unknown][] = [];
    const api = buildContractApi(contract, async (channel, input) => {
      calls.push([channel, input]);
      return { ok: true, value: channel };
    });
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api.tcp).sort()).toEqual(Object.keys(contract.tcp).sort());
    expect(await api.tcp.list({})).toEqual({ ok: true, value: 'tcp.list' });
    expect(calls).toEqual([['tcp.list', {}]]);
    expect('invoke' in api).toBe(false);
  });

  it('every error code has a sentence, and unknown codes fall back', () => {
    for (const [code, sentence] of Object.entries(errorSentences)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(sentence.length).toBeGreaterThan(10);
    }
    expect(errorSentence('NOPE')).toBe(errorSentences.INTERNAL);
  });
});
