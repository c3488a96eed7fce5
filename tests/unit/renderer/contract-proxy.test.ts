// The browser shell's API object is built without the contract's schemas: every channel of the contract
// must still be reachable under its engine and method, and nothing else may look like one.
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src/shared/contract';
import { listChannels } from '../../../src/shared/contract/define';
import { contractProxy } from '../../../src/renderer/api/contract-proxy';

function make() {
  const sent: [string, unknown][] = [];
  const onEvents = () => () => undefined;
  const api = contractProxy(Object.freeze({ shell: 'browser' as const, onEvents }), (channel, input) => {
    sent.push([channel, input]);
    return Promise.resolve({ ok: true, value: channel });
  });
  return { api, sent, onEvents };
}

describe('contractProxy', () => {
  it('sends every contract channel under its own engine and method name', async () => {
    const { api, sent } = make();
    const channels = listChannels(contract);
    expect(channels.length).toBeGreaterThan(50);
    const loose = api as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    for (const [i, channel] of channels.entries()) {
      const [engine, method] = channel.split('.') as [string, string];
      expect(await loose[engine]![method]!({ n: i })).toEqual({ ok: true, value: channel });
    }
    expect(sent).toEqual(channels.map((c, i) => [c, { n: i }]));
  });

  it('keeps the object own members and is no thenable, ref or JSON-able by accident', async () => {
    const { api, onEvents } = make();
    expect(api.shell).toBe('browser');
    expect(api.onEvents).toBe(onEvents);
    const loose = api as unknown as Record<string | symbol, unknown>;
    for (const key of ['then', 'toJSON', '__v_isRef', '__v_skip', 'constructor', 'toString', Symbol.iterator])
      expect(loose[key], String(key)).toBe(Object.prototype[key as keyof object]);
    expect((loose.tcp as Record<string, unknown>).then).toBeUndefined();
    // Awaiting it (a store returning it from an async function) yields the object itself.
    expect(await Promise.resolve(api)).toBe(api);
    expect(api.tcp.list).toBe(api.tcp.list);
  });
});
