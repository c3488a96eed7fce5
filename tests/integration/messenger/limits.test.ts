// What a misbehaving or foreign peer gets, over a raw TLS socket to a messenger's port: a frame over the
// limit closes the connection before it is buffered (MESSENGER_FRAME_TOO_LARGE), anything but a valid
// hello is answered with a coded error and closed, a hello meant for another instance is refused, a
// silent connection is closed after the hello deadline; and the outbox limit refuses sending.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../src/main/engines/messenger/protocol';
import { addr, connected, raw, startInstance } from './helpers';

const V = PROTOCOL_VERSION;

const hello = (v: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ t: 'hello', v, id: '0123456789abcdef', nick: 'raw', status: 'online', port: 0, ...extra })}\n`;

describe('messenger: limits and refusals', () => {
  it('a frame over maxFrameBytes closes the connection with MESSENGER_FRAME_TOO_LARGE', async () => {
    const a = await startInstance('alice', { options: { maxFrameBytes: 1024 } });
    const { s, closed } = await raw(a.info.port);
    s.write('{"t":"hello","nick":"' + 'x'.repeat(4000));
    await closed;
    await expect
      .poll(() => a.events.some((e) => e.type === 'error' && e.code === 'MESSENGER_FRAME_TOO_LARGE'), {
        timeout: 20_000,
      })
      .toBe(true);
  });

  it('a bad first frame, another version, a hello for someone else: coded error, then closed', async () => {
    const a = await startInstance('alice');
    for (const [send, code] of [
      ['{"t":"nope"}\n', 'MESSENGER_BAD_FRAME'],
      [hello(V + 1), 'MESSENGER_VERSION'],
      [hello(V, { to: 'ffffffffffffffff' }), 'MESSENGER_IDENTITY_MISMATCH'],
      [hello(V, { id: a.info.instanceId }), 'MESSENGER_IDENTITY_MISMATCH'],
      [`${JSON.stringify({ t: 'ack', conv: 'g:0123456789abcdef', upTo: 1 })}\n`, 'MESSENGER_BAD_FRAME'],
    ] as const) {
      const c = await raw(a.info.port);
      c.s.write(send);
      await c.closed;
      expect(c.lines.map((l) => (JSON.parse(l) as { code?: string }).code)).toEqual([code]);
    }
    // Without a client certificate there is nothing to pin: refused.
    const bare = await raw(a.info.port, false);
    bare.s.write(hello(V));
    await bare.closed;
    expect(bare.lines.map((l) => (JSON.parse(l) as { code?: string }).code)).toEqual(['TLS_ERROR']);
    expect(a.svc.peers().peers).toEqual([]);
  });

  it('a connection that never says hello is closed after helloTimeoutMs', async () => {
    const a = await startInstance('alice', { options: { helloTimeoutMs: 300 } });
    const { closed } = await raw(a.info.port);
    await closed;
  });

  it('maxOutbox: writing more to someone offline is refused with MESSENGER_OUTBOX_FULL', async () => {
    const a = await startInstance('alice', { options: { maxOutbox: 3 } });
    const b = await startInstance('bob', { peers: [addr(a)] });
    await connected(a, b);
    await b.svc.close();
    await expect.poll(() => a.svc.peers().peers[0]!.presence, { timeout: 20_000 }).toBe('offline');
    const conv = a.svc.openDirect({ peer: b.info.instanceId });
    for (const t of ['1', '2', '3']) a.svc.send({ conversation: conv.id, text: t });
    expect(() => a.svc.send({ conversation: conv.id, text: '4' })).toThrow(
      expect.objectContaining({ code: 'MESSENGER_OUTBOX_FULL' }),
    );
  });
});
