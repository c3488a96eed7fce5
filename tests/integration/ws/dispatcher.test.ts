// The ws engine through the app's dispatcher (createServices): answers match the contract's output
// schemas, and bad input gets the engine's codes, as the page and the CLI see them.
import { describe, expect, it } from 'vitest';
import { testServices } from '../../helpers/services';
import { contract } from '../../../src/shared/contract';

describe('ws through the dispatcher', () => {
  it('serverStart, connect, send, messages, close and list answer in the contract; codes for bad input', async () => {
    const services = testServices('wirelab-ws-');
    expect(Object.keys(contract.ws)).toContain('sseConnect');
    const call = async (channel: string, input: unknown) => services.dispatcher.call(channel, input);
    const server = await call('ws.serverStart', { port: 0, mode: 'echo' });
    if (!server.ok) throw new Error(server.error.message);
    const port = (server.value as { port: number }).port;
    const conn = await call('ws.connect', { url: `ws://127.0.0.1:${port}/` });
    if (!conn.ok) throw new Error(conn.error.message);
    const session = (conn.value as { session: string }).session;
    expect(await call('ws.send', { session, data: 'hi' })).toEqual({ ok: true, value: { bytes: 2 } });
    const bad = await call('ws.close', { session, code: 1006 });
    expect(bad.ok ? 'ok' : bad.error.code).toBe('WS_INVALID_CLOSE_CODE');
    const messages = await call('ws.messages', { session });
    expect(messages.ok).toBe(true);
    expect(await call('ws.close', { session, code: 3001, reason: 'x' })).toEqual({ ok: true, value: {} });
    const list = await call('ws.list', {});
    expect(list.ok && (list.value as { clients: { closeCode?: number }[] }).clients[0]?.closeCode).toBe(3001);
    const empty = await call('ws.connect', { url: '' });
    expect(empty.ok ? 'ok' : empty.error.code).toBe('WS_INVALID_URL');
    const scheme = await call('ws.connect', { url: 'gopher://h/' });
    expect(scheme.ok ? 'ok' : scheme.error.code).toBe('WS_INVALID_URL');
    const port70k = await call('ws.serverStart', { port: 70000 });
    expect(port70k.ok ? 'ok' : port70k.error.code).toBe('PORT_OUT_OF_RANGE');
  });
});
