import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import type { UdpEvent } from '../../../src/shared/contract/udp';
import { udpContract } from '../../../src/shared/contract/udp';
import { UdpEndpoint } from '../../../src/main/engines/udp/socket';
import { UdpService } from '../../../src/main/engines/udp/service';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { waitFor } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function endpoint(opts: ConstructorParameters<typeof UdpEndpoint>[1]): {
  s: UdpEndpoint;
  events: UdpEvent[];
} {
  const s = new UdpEndpoint('t', opts);
  const events: UdpEvent[] = [];
  s.on((e) => events.push(e));
  cleanups.push(() => s.close());
  return { s, events };
}

function raw(
  type: 'udp4' | 'udp6',
  host: string,
): Promise<{ sock: Socket; port: number; got: { text: string; from: string }[] }> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(type);
    const got: { text: string; from: string }[] = [];
    sock.on('message', (m, r) => got.push({ text: m.toString('utf8'), from: `${r.address}:${r.port}` }));
    sock.once('error', reject);
    sock.bind(0, host, () => resolve({ sock, port: sock.address().port, got }));
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  });
}

const datagrams = (events: UdpEvent[]) =>
  events.filter((e): e is Extract<UdpEvent, { type: 'datagram' }> => e.type === 'datagram');
const text = (e: { data: Uint8Array }) => Buffer.from(e.data).toString('utf8');

describe('UDP engine: the classic exchange', () => {
  for (const [family, host] of [
    ['udp4', '127.0.0.1'],
    ['udp6', '::1'],
  ] as const) {
    it(`"Hello, UDP Server!" → "Message received" over ${family === 'udp4' ? 'IPv4' : 'IPv6'}`, async () => {
      const { s: server, events } = endpoint({ host, port: 0, family, responder: 'reply' });
      const info = await server.start();
      expect(info.port).toBeGreaterThan(0);
      expect(info.family).toBe(family);
      const { s: client, events: cev } = endpoint({ host, port: 0, family });
      const cinfo = await client.start();
      await client.send(Buffer.from('Hello, UDP Server!'), host, info.port);
      const d = await waitFor(() => datagrams(events)[0]);
      expect(text(d)).toBe('Hello, UDP Server!');
      expect(d.from).toEqual({
        address: host,
        port: cinfo.port,
        family: family === 'udp4' ? 'IPv4' : 'IPv6',
      });
      expect(d.bytes).toBe(18);
      expect(d.seq).toBe(1);
      expect(d.answered).toBe('reply');
      const r = await waitFor(() => datagrams(cev)[0]);
      expect(text(r)).toBe('Message received');
      expect(r.from.port).toBe(info.port);
      expect(server.info()).toMatchObject({ datagramsIn: 1, datagramsOut: 1, bytesIn: 18, bytesOut: 16 });
    });
  }

  it('a udp6 socket on :: reaches IPv4 peers through mapped addresses', async () => {
    const { s } = endpoint({ host: '::', port: 0, family: 'udp6', responder: 'echo' });
    const { port } = await s.start();
    const peer = await raw('udp4', '127.0.0.1');
    peer.sock.send('dual', port, '127.0.0.1');
    await waitFor(() => peer.got[0]);
    expect(peer.got[0]?.text).toBe('dual');
    const { s: c } = endpoint({ host: '::', port: 0, family: 'udp6' });
    await c.start();
    await expect(c.send(Buffer.from('to v4'), '127.0.0.1', peer.port)).resolves.toMatchObject({ bytes: 5 });
    await waitFor(() => peer.got.find((g) => g.text === 'to v4'));
  });
});

describe('UDP engine: answers', () => {
  it('echo returns each datagram unchanged, boundaries kept', async () => {
    const { s } = endpoint({ port: 0, family: 'udp4', responder: 'echo' });
    const { port } = await s.start();
    const peer = await raw('udp4', '127.0.0.1');
    for (const m of ['one', 'two', 'three']) peer.sock.send(m, port, '127.0.0.1');
    await waitFor(() => peer.got.length === 3);
    expect(peer.got.map((g) => g.text).sort()).toEqual(['one', 'three', 'two']);
  });

  it('an echo is reported in causal order: the datagram, then its answer with the same bytes', async () => {
    const { s, events } = endpoint({ port: 0, family: 'udp4', responder: 'echo' });
    const { port } = await s.start();
    const peer = await raw('udp4', '127.0.0.1');
    for (const m of ['a', 'bb']) peer.sock.send(m, port, '127.0.0.1');
    await waitFor(() => events.filter((e) => e.type === 'sent').length === 2);
    const seen = events.map((e) =>
      e.type === 'datagram' || e.type === 'sent' ? `${e.type}:${text(e)}` : e.type,
    );
    expect(seen).toEqual(['datagram:a', 'sent:a', 'datagram:bb', 'sent:bb']);
    const sent = events.filter((e): e is Extract<UdpEvent, { type: 'sent' }> => e.type === 'sent');
    expect(sent.every((e) => e.auto && e.to.port === peer.port)).toBe(true);
  });

  it('node:dgram gives each datagram its own exactly-sized memory (the engine keeps it without a copy)', async () => {
    // The engine's events hold received bytes as they are when this holds; if a Node upgrade ever
    // hands out views into a shared receive buffer, this fails and the engine copies instead.
    const sizes: [number, number, number][] = [];
    const sock = createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
    sock.on('message', (m) => sizes.push([m.length, m.byteOffset, m.buffer.byteLength]));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const peer = await raw('udp4', '127.0.0.1');
    for (const n of [1, 64, 1500]) peer.sock.send(Buffer.alloc(n, 1), sock.address().port, '127.0.0.1');
    await waitFor(() => sizes.length === 3);
    expect(sizes.sort((a, b) => a[0] - b[0])).toEqual([
      [1, 0, 1],
      [64, 0, 64],
      [1500, 0, 1500],
    ]);
  });

  it('auto-reply rules answer before the responder; the first matching rule wins', async () => {
    const { s, events } = endpoint({
      port: 0,
      family: 'udp4',
      responder: 'reply',
      reply: 'default',
      autoReplies: [
        {
          match: 'contains',
          pattern: 'ping',
          patternEncoding: 'text',
          reply: 'pong\\0A',
          replyEncoding: 'escaped',
        },
        {
          match: 'startsWith',
          pattern: 'ca fe',
          patternEncoding: 'hex',
          reply: 'be ef',
          replyEncoding: 'hex',
        },
        {
          match: 'regex',
          pattern: '^GET /\\w+',
          patternEncoding: 'text',
          reply: 'HTTP/1.0 200 OK',
          replyEncoding: 'text',
        },
      ],
    });
    const { port } = await s.start();
    const peer = await raw('udp4', '127.0.0.1');
    peer.sock.send('say ping now', port, '127.0.0.1');
    await waitFor(() => peer.got.length === 1);
    expect(peer.got[0]?.text).toBe('pong\n');
    peer.sock.send(Buffer.from([0xca, 0xfe, 0x01]), port, '127.0.0.1');
    await waitFor(() => peer.got.length === 2);
    expect(Buffer.from(peer.got[1]!.text, 'utf8').length).toBeGreaterThan(0);
    peer.sock.send('GET /index', port, '127.0.0.1');
    await waitFor(() => peer.got.length === 3);
    expect(peer.got[2]?.text).toBe('HTTP/1.0 200 OK');
    peer.sock.send('other', port, '127.0.0.1');
    await waitFor(() => peer.got.length === 4);
    expect(peer.got[3]?.text).toBe('default');
    expect(datagrams(events).map((d) => d.answered)).toEqual(['rule', 'rule', 'rule', 'reply']);
  });

  it('reply() answers the sender of a chosen datagram', async () => {
    const { s } = endpoint({ port: 0, family: 'udp4' });
    const { port } = await s.start();
    const a = await raw('udp4', '127.0.0.1');
    const b = await raw('udp4', '127.0.0.1');
    await expect(s.reply(Buffer.from('x'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    a.sock.send('from a', port, '127.0.0.1');
    await waitFor(() => s.info().datagramsIn === 1);
    b.sock.send('from b', port, '127.0.0.1');
    await waitFor(() => s.info().datagramsIn === 2);
    await s.reply(Buffer.from('to latest'));
    await s.reply(Buffer.from('to first'), 1);
    await waitFor(() => a.got.length === 1 && b.got.length === 1);
    expect(a.got[0]?.text).toBe('to first');
    expect(b.got[0]?.text).toBe('to latest');
  });

  it('auto-answers are capped per second; capped datagrams are still reported', async () => {
    const { s, events } = endpoint({
      port: 0,
      family: 'udp4',
      responder: 'echo',
      maxAutoRepliesPerSecond: 2,
    });
    const { port } = await s.start();
    const peer = await raw('udp4', '127.0.0.1');
    for (let i = 0; i < 5; i++) peer.sock.send(`m${i}`, port, '127.0.0.1');
    await waitFor(() => datagrams(events).length === 5);
    const answered = datagrams(events).map((d) => d.answered);
    // The window may roll over during the burst, so at least 2 and at most 4 are answered.
    expect(answered.filter((a) => a === 'echo').length).toBeGreaterThanOrEqual(2);
    expect(answered.filter((a) => a === 'rate-limited').length).toBeGreaterThanOrEqual(1);
  });

  it('a socket never answers its own datagrams (no self-loop)', async () => {
    const { s, events } = endpoint({ port: 0, family: 'udp4', responder: 'echo' });
    const { port } = await s.start();
    await s.send(Buffer.from('me'), '127.0.0.1', port);
    await waitFor(() => datagrams(events).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(datagrams(events)).toHaveLength(1);
    expect(s.info().datagramsOut).toBe(1);
  });
});

describe('UDP engine: sizes and errors', () => {
  it('65,507 bytes go over IPv4; one more is DATAGRAM_TOO_LARGE before sending', async () => {
    const { s, events } = endpoint({ port: 0, family: 'udp4', maxEventDataBytes: 1024 });
    const { port } = await s.start();
    const { s: c } = endpoint({ port: 0, family: 'udp4' });
    await c.start();
    await c.send(new Uint8Array(65_507).fill(0x41), '127.0.0.1', port);
    const d = await waitFor(() => datagrams(events)[0]);
    expect(d.bytes).toBe(65_507);
    expect(d.data.length).toBe(1024);
    expect(d.truncated).toBe(true);
    await expect(c.send(new Uint8Array(65_508), '127.0.0.1', port)).rejects.toMatchObject({
      code: 'DATAGRAM_TOO_LARGE',
    });
    expect(c.info().datagramsOut).toBe(1);
  });

  it('65,527 bytes go over IPv6; one more is DATAGRAM_TOO_LARGE', async () => {
    const { s, events } = endpoint({ host: '::1', port: 0, family: 'udp6' });
    const { port } = await s.start();
    const { s: c } = endpoint({ host: '::1', port: 0, family: 'udp6' });
    await c.start();
    await c.send(new Uint8Array(65_527), '::1', port);
    expect((await waitFor(() => datagrams(events)[0])).bytes).toBe(65_527);
    await expect(c.send(new Uint8Array(65_528), '::1', port)).rejects.toMatchObject({
      code: 'DATAGRAM_TOO_LARGE',
    });
    // Toward an IPv4-mapped peer the IPv4 limit applies.
    await expect(c.send(new Uint8Array(65_508), '::ffff:127.0.0.1', port)).rejects.toMatchObject({
      code: 'DATAGRAM_TOO_LARGE',
    });
  });

  it('a port in use is ADDRESS_IN_USE; reuseAddr lets two sockets share it', async () => {
    const { s } = endpoint({ port: 0, family: 'udp4' });
    const { port } = await s.start();
    const { s: s2 } = endpoint({ port, family: 'udp4' });
    await expect(s2.start()).rejects.toMatchObject({ code: 'ADDRESS_IN_USE' });
    const { s: r1 } = endpoint({ host: '0.0.0.0', port: 0, family: 'udp4', reuseAddr: true });
    const { port: shared } = await r1.start();
    const { s: r2 } = endpoint({ host: '0.0.0.0', port: shared, family: 'udp4', reuseAddr: true });
    await expect(r2.start()).resolves.toMatchObject({ port: shared });
  });

  it('an address not on this machine is ADDRESS_NOT_AVAILABLE', async () => {
    const { s } = endpoint({ host: '192.0.2.77', port: 0, family: 'udp4' });
    await expect(s.start()).rejects.toMatchObject({ code: 'ADDRESS_NOT_AVAILABLE' });
  });

  it('families are checked: IPv6 destination from udp4, IPv4 group on udp6', async () => {
    const { s } = endpoint({ port: 0, family: 'udp4' });
    await s.start();
    await expect(s.send(Buffer.from('x'), '::1', 9)).rejects.toMatchObject({
      code: 'ADDRESS_FAMILY_MISMATCH',
    });
    expect(() => s.join('ff12::1')).toThrow(expect.objectContaining({ code: 'ADDRESS_FAMILY_MISMATCH' }));
    expect(() => s.join('10.1.2.3')).toThrow(expect.objectContaining({ code: 'INVALID_MULTICAST_GROUP' }));
    expect(() => s.join('not-a-group')).toThrow(expect.objectContaining({ code: 'INVALID_MULTICAST_GROUP' }));
    expect(() => s.leave('239.1.1.1')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => s.setOptions({ broadcast: true })).not.toThrow();
    const { s: v6 } = endpoint({ host: '::1', port: 0, family: 'udp6' });
    await v6.start();
    expect(() => v6.join('239.1.1.1')).toThrow(expect.objectContaining({ code: 'ADDRESS_FAMILY_MISMATCH' }));
    expect(() => v6.setOptions({ broadcast: true })).toThrow(
      expect.objectContaining({ code: 'NOT_SUPPORTED' }),
    );
    expect(() => v6.join('ff12::1', 'no-such-if0')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('a bad rule or reply is refused before a socket opens, and a bad patch changes nothing', async () => {
    expect(
      () => new UdpEndpoint('x', { port: 0, family: 'udp4', reply: 'zz', replyEncoding: 'hex' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_HEX' }));
    const { s } = endpoint({ port: 0, family: 'udp4', responder: 'reply', reply: 'ok' });
    await s.start();
    expect(() =>
      s.setOptions({
        responder: 'echo',
        autoReplies: [
          { match: 'regex', pattern: '(', patternEncoding: 'text', reply: 'x', replyEncoding: 'text' },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => s.setOptions({ reply: '\\q', replyEncoding: 'escaped' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ESCAPE' }),
    );
    expect(s.info()).toMatchObject({ responder: 'reply', reply: 'ok', autoReplyRules: 0 });
  });
});

describe('UDP service through the dispatcher (bad input from the UI or CLI)', () => {
  function setup() {
    const udp = new UdpService({ maxSockets: 3 });
    cleanups.push(() => udp.closeAll());
    const d = createDispatcher({ udp: udpContract }, { udp });
    return { udp, call: (m: string, input: unknown) => d.call(`udp.${m}`, input) };
  }

  it('binds, lists, sends and closes; bad input gets stable codes and leaves the socket usable', async () => {
    const { call } = setup();
    const bound = await call('bind', { port: 0, responder: 'echo' });
    expect(bound.ok).toBe(true);
    const info = (bound as { value: { session: string; port: number } }).value;
    const client = (await call('bind', { host: '127.0.0.1', port: 0 })) as {
      ok: true;
      value: { session: string };
    };
    expect(await call('bind', { port: 70_000 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await call('bind', { port: -1 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    const s = client.value.session;
    expect(await call('send', { session: s, host: '127.0.0.1', port: 0, data: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(
      await call('send', { session: s, host: '127.0.0.1', port: info.port, data: '4g', encoding: 'hex' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_HEX' },
    });
    expect(
      await call('send', { session: s, host: '127.0.0.1', port: info.port, data: 'abc', encoding: 'hex' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_HEX' },
    });
    expect(
      await call('send', {
        session: s,
        host: '127.0.0.1',
        port: info.port,
        data: 'a\\zz',
        encoding: 'escaped',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ESCAPE' },
    });
    expect(await call('join', { session: s, group: '192.168.1.1' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MULTICAST_GROUP' },
    });
    expect(await call('join', { session: s, group: '' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MULTICAST_GROUP' },
    });
    expect(await call('send', { session: 'udp-99', host: '127.0.0.1', port: 9, data: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(
      await call('send', { session: s, host: '127.0.0.1', port: info.port, data: '48 69', encoding: 'hex' }),
    ).toMatchObject({
      ok: true,
      value: { bytes: 2 },
    });
    expect(await call('bind', { port: 0 })).toMatchObject({ ok: true });
    expect(await call('bind', { port: 0 })).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    const list = (await call('list', {})) as { ok: true; value: { sockets: { datagramsOut: number }[] } };
    expect(list.value.sockets).toHaveLength(3);
    expect(await call('close', { session: s })).toMatchObject({ ok: true });
    expect(await call('close', { session: s })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('picks udp6 from an IPv6 host and udp4 from localhost names that resolve to IPv4', async () => {
    const { call } = setup();
    expect(await call('bind', { host: '::1', port: 0 })).toMatchObject({
      ok: true,
      value: { family: 'udp6', host: '::1' },
    });
    expect(await call('bind', { host: '127.0.0.1', port: 0 })).toMatchObject({
      ok: true,
      value: { family: 'udp4' },
    });
    expect(await call('bind', { host: 'no-such-host.invalid', port: 0 })).toMatchObject({
      ok: false,
      error: { code: 'HOST_NOT_FOUND' },
    });
  });
});
