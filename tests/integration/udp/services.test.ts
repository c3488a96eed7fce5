// The issue-7 engines as the app wires them: through createServices' dispatcher and event bus, with the
// packet library persisted in the instance's data directory.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src/main/services';
import type { WirelabEvent } from '../../../src/shared/contract';
import { waitFor } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function services(): { s: Services; events: WirelabEvent[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-svc-'));
  const s = createServices({ dataDir: dir, shell: 'browser', version: 'test', bus: { flushIntervalMs: 5 } });
  const events: WirelabEvent[] = [];
  s.bus.subscribe((b) => events.push(...b));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => s.close());
  return { s, events, dir };
}

describe('UDP, TLS sockets, packets and lab in the composed app', () => {
  it('udp.* and packets.* go through the dispatcher; events leave through the bus; close() releases all', async () => {
    const { s, events, dir } = services();
    const call = (ch: string, input: unknown) => s.dispatcher.call(ch, input);
    const srv = (await call('udp.bind', { port: 0, responder: 'reply' })) as {
      ok: true;
      value: { session: string; port: number };
    };
    expect(srv.ok).toBe(true);
    const saved = (await call('packets.save', {
      name: 'seed',
      protocol: 'udp',
      host: '127.0.0.1',
      port: srv.value.port,
      payload: 'Hello, UDP Server!',
    })) as { ok: true; value: { id: string } };
    expect(saved.ok).toBe(true);
    expect(existsSync(join(dir, 'packets.json'))).toBe(true);
    const job = (await call('packets.send', { id: saved.value.id })) as { ok: true; value: { job: string } };
    await waitFor(() => events.find((e) => e.engine === 'packets' && e.type === 'job.done'));
    const response = events.find(
      (e) => e.engine === 'packets' && e.type === 'job.response' && e.session === job.value.job,
    );
    expect(response && 'data' in response && Buffer.from(response.data).toString()).toBe('Message received');
    expect(
      events.some((e) => e.engine === 'udp' && e.type === 'datagram' && e.session === srv.value.session),
    ).toBe(true);

    const tls = await call('tlssock.serverStart', { port: 0 });
    expect(tls).toMatchObject({ ok: true, value: { certificate: { source: 'app' } } });
    expect(await call('lab.defaults', {})).toMatchObject({ ok: true });
    expect(
      await call('udp.send', {
        session: srv.value.session,
        host: '127.0.0.1',
        port: 9,
        data: 'q',
        encoding: 'hex',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_HEX' },
    });
    await s.close();
    expect(await call('udp.list', {})).toMatchObject({ ok: true, value: { sockets: [] } });
  });
});
