import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketsEvent } from '../../../src/shared/contract/packets';
import { packetsContract } from '../../../src/shared/contract/packets';
import { PacketLibrary } from '../../../src/main/engines/packets/library';
import { openSender } from '../../../src/main/packet-senders';
import { UdpEndpoint } from '../../../src/main/engines/udp/socket';
import { TcpServer } from '../../../src/main/engines/tcp/server';
import { TlsSocketService } from '../../../src/main/engines/tls-socket/service';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { waitFor } from '../../helpers/net';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function lib(dir?: string): { lib: PacketLibrary; events: PacketsEvent[]; dir: string; file: string } {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'wirelab-packets-'));
  if (!dir) dirs.push(d);
  const file = join(d, 'packets.json');
  const l = new PacketLibrary({ file, openSender });
  const events: PacketsEvent[] = [];
  l.on((e) => events.push(e));
  cleanups.push(() => l.close());
  return { lib: l, events, dir: d, file };
}

const udpPacket = (port: number, extra: Record<string, unknown> = {}) => ({
  name: 'ping',
  protocol: 'udp' as const,
  host: '127.0.0.1',
  port,
  payload: '#{{counter}}\\0A',
  encoding: 'escaped' as const,
  repeat: 1,
  intervalMs: 0,
  responseWaitMs: 500,
  tlsVerify: false,
  ...extra,
});

const text = (e: { data: Uint8Array }) => Buffer.from(e.data).toString('utf8');

describe('packet library: storage', () => {
  it('saves, updates, lists and removes; survives a restart; writes atomically', async () => {
    const a = lib();
    const p = a.lib.save(udpPacket(9));
    expect(p.id).toMatch(/^p-[0-9a-f]{12}$/);
    const p2 = a.lib.save({ ...udpPacket(9), id: p.id, name: 'renamed' });
    expect(p2).toMatchObject({ id: p.id, name: 'renamed', createdAt: p.createdAt });
    a.lib.save({ ...udpPacket(10), name: 'second' });
    expect(a.lib.list().packets.map((x) => x.name)).toEqual(['renamed', 'second']);
    expect(readdirSync(a.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await a.lib.close();
    const b = lib(a.dir);
    expect(b.lib.list().packets.map((x) => x.name)).toEqual(['renamed', 'second']);
    expect(b.lib.remove({ id: p.id })).toEqual({ removed: true });
    expect(b.lib.remove({ id: p.id })).toEqual({ removed: false });
    expect(JSON.parse(readFileSync(b.file, 'utf8')).packets).toHaveLength(1);
  });

  it('refuses payloads that could never be sent', () => {
    const { lib: l } = lib();
    expect(() => l.save({ ...udpPacket(9), payload: 'zz', encoding: 'hex' })).toThrow(
      expect.objectContaining({ code: 'INVALID_HEX' }),
    );
    expect(() => l.save({ ...udpPacket(9), payload: 'a\\q' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ESCAPE' }),
    );
    expect(l.list().packets).toHaveLength(0);
  });

  it('export → import round-trips; merge updates by id, replace starts over', () => {
    const a = lib();
    a.lib.save(udpPacket(9));
    a.lib.save({ ...udpPacket(10), name: 'tcp one', protocol: 'tcp', payload: '48 49', encoding: 'hex' });
    const { text: json, count } = a.lib.exportJson({});
    expect(count).toBe(2);
    expect(JSON.parse(json)).toMatchObject({ format: 'wirelab-packets', version: 1 });
    const b = lib();
    b.lib.save({ ...udpPacket(1), name: 'local only' });
    expect(b.lib.importJson({ text: json, mode: 'merge' })).toEqual({ added: 2, updated: 0, total: 3 });
    expect(b.lib.importJson({ text: json, mode: 'merge' })).toEqual({ added: 0, updated: 2, total: 3 });
    expect(b.lib.importJson({ text: json, mode: 'replace' })).toEqual({ added: 2, updated: 0, total: 2 });
    expect(
      b.lib
        .list()
        .packets.map((p) => p.name)
        .sort(),
    ).toEqual(['ping', 'tcp one']);
    // A hand-written bare array without ids is fine too.
    const hand = JSON.stringify([
      { name: 'hand', protocol: 'udp', host: 'localhost', port: 7, payload: 'x' },
    ]);
    expect(b.lib.importJson({ text: hand, mode: 'merge' })).toMatchObject({ added: 1, total: 3 });
  });

  it('unreadable imports are INVALID_IMPORT and change nothing (file untouched)', () => {
    const { lib: l, file } = lib();
    l.save(udpPacket(9));
    const before = readFileSync(file, 'utf8');
    const bad = [
      '{not json',
      '"a string"',
      JSON.stringify({ format: 'something-else', packets: [] }),
      JSON.stringify({ packets: [{ name: 'x', protocol: 'udp', host: 'h', port: 70000, payload: '' }] }),
      JSON.stringify({ packets: [{ name: 'x', protocol: 'gopher', host: 'h', port: 7, payload: '' }] }),
      JSON.stringify({ packets: [udpPacket(7), { ...udpPacket(8), payload: 'bad \\escape' }] }),
    ];
    for (const text of bad)
      expect(() => l.importJson({ text, mode: 'replace' })).toThrow(
        expect.objectContaining({ code: 'INVALID_IMPORT' }),
      );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(l.list().packets).toHaveLength(1);
  });

  it('an import that would exceed the library limit is refused whole', () => {
    const d = mkdtempSync(join(tmpdir(), 'wirelab-packets-'));
    dirs.push(d);
    const l = new PacketLibrary({ file: join(d, 'packets.json'), maxPackets: 2, openSender });
    const many = JSON.stringify(Array.from({ length: 3 }, (_, i) => ({ ...udpPacket(9), name: `n${i}` })));
    expect(() => l.importJson({ text: many, mode: 'merge' })).toThrow(
      expect.objectContaining({ code: 'INVALID_IMPORT' }),
    );
    l.save(udpPacket(9));
    l.save(udpPacket(9));
    expect(() => l.save(udpPacket(9))).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });

  it('a corrupt packets.json is set aside and reported, not overwritten', () => {
    const d = mkdtempSync(join(tmpdir(), 'wirelab-packets-'));
    dirs.push(d);
    writeFileSync(join(d, 'packets.json'), '{"packets": [ {"broken": ');
    const { lib: l } = lib(d);
    expect(l.list().packets).toEqual([]);
    expect(l.problems).toHaveLength(1);
    expect(existsSync(l.problems[0]!.movedTo)).toBe(true);
  });
});

describe('packet library: sending', () => {
  it('UDP: repeat 3 with {{counter}}; each send and answer is an event', async () => {
    const srv = new UdpEndpoint('s', { port: 0, family: 'udp4', responder: 'echo' });
    cleanups.push(() => srv.close());
    const got: string[] = [];
    srv.on((e) => e.type === 'datagram' && got.push(text(e)));
    const { port } = await srv.start();
    const { lib: l, events } = lib();
    const saved = l.save(udpPacket(port, { repeat: 3, intervalMs: 5 }));
    const job = l.send({ id: saved.id });
    expect(job).toMatchObject({ state: 'running', total: 3, packetId: saved.id });
    const done = await l.waitForJob(job.job);
    expect(done).toMatchObject({ state: 'done', sent: 3, responses: 3, errors: 0 });
    expect(got).toEqual(['#1\n', '#2\n', '#3\n']);
    const responses = events.filter(
      (e): e is Extract<PacketsEvent, { type: 'job.response' }> => e.type === 'job.response',
    );
    expect(responses.map((r) => text(r))).toEqual(['#1\n', '#2\n', '#3\n']);
    expect(responses[0]?.from).toBe(`127.0.0.1:${port}`);
    expect(events.at(-1)).toMatchObject({ type: 'job.done' });
  });

  it('{{counter}} of a saved packet carries on across jobs and restarts; reset; unsaved packets count per job', async () => {
    const srv = new UdpEndpoint('s', { port: 0, family: 'udp4', responder: 'echo' });
    cleanups.push(() => srv.close());
    const got: string[] = [];
    srv.on((e) => e.type === 'datagram' && got.push(text(e)));
    const { port } = await srv.start();
    const a = lib();
    const saved = a.lib.save(udpPacket(port, { repeat: 2, intervalMs: 0, payload: '{{counter}}' }));
    expect(saved.counter).toBe(0);
    await a.lib.waitForJob(a.lib.send({ id: saved.id }).job);
    await a.lib.waitForJob(a.lib.send({ id: saved.id, repeat: 1 }).job);
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['1', '2', '3']);
    const sent = a.events.filter(
      (e): e is Extract<PacketsEvent, { type: 'job.sent' }> => e.type === 'job.sent',
    );
    expect(sent.map((e) => [e.index, e.counter])).toEqual([
      [1, 1],
      [2, 2],
      [1, 3],
    ]);
    expect(a.lib.list().packets[0]?.counter).toBe(3);
    // Editing the packet keeps its counter; two jobs at once never reuse a value.
    a.lib.save({ ...udpPacket(port, { repeat: 3, intervalMs: 1, payload: '{{counter}}' }), id: saved.id });
    const j1 = a.lib.send({ id: saved.id });
    const j2 = a.lib.send({ id: saved.id });
    await Promise.all([a.lib.waitForJob(j1.job), a.lib.waitForJob(j2.job)]);
    await waitFor(() => got.length === 9);
    expect(
      got
        .slice(3)
        .map(Number)
        .sort((x, y) => x - y),
    ).toEqual([4, 5, 6, 7, 8, 9]);
    await a.lib.close();

    // The file holds the counter: a restarted library carries on from it.
    const b = lib(a.dir);
    expect(b.lib.list().packets[0]?.counter).toBe(9);
    expect(JSON.parse(b.lib.exportJson({}).text).packets[0].counter).toBe(9);
    expect(b.lib.resetCounter({ id: saved.id, value: 0 }).counter).toBe(0);
    await b.lib.waitForJob(b.lib.send({ id: saved.id, repeat: 1 }).job);
    await waitFor(() => got.length === 10);
    expect(got[9]).toBe('1');
    expect(() => b.lib.resetCounter({ id: 'p-000000000000', value: 0 })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );

    // An unsaved packet counts 1, 2, … in each job.
    await b.lib.waitForJob(
      b.lib.send({ packet: udpPacket(port, { repeat: 2, payload: 'u{{counter}}' }) }).job,
    );
    await b.lib.waitForJob(
      b.lib.send({ packet: udpPacket(port, { repeat: 1, payload: 'u{{counter}}' }) }).job,
    );
    await waitFor(() => got.length === 13);
    expect(got.slice(10)).toEqual(['u1', 'u2', 'u1']);
  });

  it('TCP: one connection per send, answer captured; refused connections are errors, not sends', async () => {
    const srv = new TcpServer('t', { port: 0, echo: true });
    cleanups.push(() => srv.close());
    const { port } = await srv.start();
    const { lib: l, events } = lib();
    const job = l.send({
      packet: {
        ...udpPacket(port),
        protocol: 'tcp',
        payload: 'GET / HTTP/1.0\\r\\n\\r\\n',
        repeat: 2,
        intervalMs: 0,
      },
    });
    expect(await l.waitForJob(job.job)).toMatchObject({ sent: 2, responses: 2, errors: 0 });
    expect(
      events.filter((e) => e.type === 'job.response').map((e) => text(e as { data: Uint8Array })),
    ).toEqual(['GET / HTTP/1.0\r\n\r\n', 'GET / HTTP/1.0\r\n\r\n']);
    await srv.close();
    const j2 = l.send({ packet: { ...udpPacket(port), protocol: 'tcp', repeat: 2, intervalMs: 0 } });
    expect(await l.waitForJob(j2.job)).toMatchObject({ sent: 0, errors: 2 });
    expect(
      events
        .filter((e) => e.type === 'job.error' && e.session === j2.job)
        .map((e) => (e as { code: string }).code),
    ).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
  });

  it('TLS: sends to a TLS server with an auto-reply rule (verification off for the app certificate)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wirelab-packets-'));
    dirs.push(d);
    const tls = new TlsSocketService(d);
    cleanups.push(() => tls.close());
    const srv = await tls.serverStart({
      host: '127.0.0.1',
      port: 0,
      certificate: { source: 'app' },
      welcomeEncoding: 'text',
      echo: false,
      autoReplies: [
        {
          match: 'startsWith',
          pattern: 'HELO',
          patternEncoding: 'text',
          reply: '250 ok',
          replyEncoding: 'text',
        },
      ],
      minVersion: 'TLSv1.2',
      maxClients: 10,
    });
    const { lib: l, events } = lib();
    const job = l.send({ packet: { ...udpPacket(srv.port), protocol: 'tls', payload: 'HELO wirelab' } });
    expect(await l.waitForJob(job.job)).toMatchObject({ sent: 1, responses: 1 });
    expect(text(events.find((e) => e.type === 'job.response') as { data: Uint8Array })).toBe('250 ok');
  });

  it('a long job can be cancelled; jobs are bounded', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wirelab-packets-'));
    dirs.push(d);
    const l = new PacketLibrary({ file: join(d, 'packets.json'), maxJobs: 1, openSender });
    cleanups.push(() => l.close());
    const job = l.send({ packet: udpPacket(9, { repeat: 100, intervalMs: 60_000, responseWaitMs: 0 }) });
    expect(() => l.send({ packet: udpPacket(9) })).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
    await waitFor(() => l.jobs().jobs[0]!.sent === 1);
    const t0 = Date.now();
    expect(await l.cancel({ job: job.job })).toMatchObject({ state: 'cancelled', sent: 1 });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('through the dispatcher: bounds and bad input are coded', async () => {
    const { lib: l } = lib();
    const d = createDispatcher({ packets: packetsContract }, { packets: l });
    expect(await d.call('packets.send', {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await d.call('packets.send', { packet: { ...udpPacket(9), repeat: 10_001 } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await d.call('packets.send', { packet: { ...udpPacket(9), intervalMs: -1 } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await d.call('packets.save', { ...udpPacket(0) })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await d.call('packets.send', { id: 'p-missing' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await d.call('packets.importJson', { text: '\u0000\u0001binary' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_IMPORT' },
    });
    expect(
      await d.call('packets.save', { ...udpPacket(9), payload: '\\', encoding: 'escaped' }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_ESCAPE' } });
    expect(await d.call('packets.list', {})).toMatchObject({ ok: true, value: { packets: [] } });
  });
});
