import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { UdpRelay } from '../../../src/main/engines/lab/udp-relay';
import { runLab } from '../../../src/main/engines/lab/run';
import { LabService } from '../../../src/main/engines/lab/service';
import { LAB_DEFAULTS, LabRunInput, labContract } from '../../../src/shared/contract/lab';
import { kernelCheckAvailability } from '../../../src/main/engines/lab/kernel';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { waitFor } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function udp(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    s.bind(0, '127.0.0.1', () => resolve(s));
    cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  });
}

/** 10,000 numbered datagrams through the real relay, paced so this host's buffers never overflow. */
async function throughRelay(seed: number) {
  const rx = await udp();
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  let max = -1;
  rx.on('message', (m) => {
    const seq = m.readUInt32BE(0);
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
    if (seen.get(seq) === 1) {
      if (seq < max) outOfOrder += 1;
      else max = seq;
    }
  });
  const relay = new UdpRelay({
    lossPct: 10,
    dupPct: 5,
    reorderPct: 5,
    delayMs: 0,
    jitterMs: 0,
    seed,
    bandwidthKbps: 0,
    maxQueueBytes: 1 << 20,
    reorderHoldMs: 200,
    target: { host: '127.0.0.1', port: rx.address().port },
  });
  const port = await relay.start();
  cleanups.push(() => relay.close());
  const tx = await udp();
  const N = 10_000;
  for (let i = 0; i < N; i += 50) {
    for (let j = i; j < i + 50; j++) {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(j, 0);
      tx.send(b, port, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await waitFor(() => relay.stats.units === N, 10_000, 'relay saw every datagram');
  await new Promise((r) => setTimeout(r, 300)); // held datagrams are released within reorderHoldMs
  const received = [...seen.values()].reduce((a, b) => a + b, 0);
  return { stats: { ...relay.stats }, unique: seen.size, duplicates: received - seen.size, outOfOrder };
}

describe('impairment relay over real UDP', () => {
  it('loss, duplication and reordering rates over 10,000 datagrams are within tolerance and repeat with the seed', async () => {
    const a = await throughRelay(1234);
    const n = 10_000;
    const tol = (p: number) => 4 * Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(a.stats.dropped / n - 0.1)).toBeLessThan(tol(0.1));
    expect(Math.abs(a.stats.duplicated / n - 0.05 * 0.9)).toBeLessThan(tol(0.05));
    expect(Math.abs(a.stats.reordered / n - 0.05 * 0.9)).toBeLessThan(tol(0.05));
    // What the receiver observed matches what the relay decided.
    expect(a.unique).toBe(n - a.stats.dropped);
    expect(a.duplicates).toBe(a.stats.duplicated);
    expect(a.outOfOrder).toBe(a.stats.reordered);
    const b = await throughRelay(1234);
    expect(b.stats).toEqual(a.stats);
    const c = await throughRelay(99);
    expect(c.stats).not.toEqual(a.stats);
  });
});

describe('TCP-vs-UDP lab', () => {
  it('under 10 % loss: TCP (modelled) delivers every message in order, UDP (measured) loses about 10 %', async () => {
    const r = await runLab(
      LabRunInput.parse({
        count: 1000,
        rate: 2000,
        lossPct: 10,
        dupPct: 0,
        reorderPct: 0,
        pauseMs: 0,
        rcvBufBytes: 1 << 20,
        delayMs: 2,
        seed: 7,
      }),
    );
    expect(r.timedOut).toBe(false);
    expect(r.tcp).toMatchObject({
      source: 'modelled',
      sent: 1000,
      delivered: 1000,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(r.udp.source).toBe('measured');
    expect(r.tcp.relay.dropped).toBeGreaterThan(0);
    expect(r.tcp.retransmissions).toBeGreaterThanOrEqual(r.tcp.relay.dropped);
    expect(r.tcp.recovery?.fastRecoveries).toBeGreaterThan(0);
    expect(r.udp.sent).toBe(1000);
    expect(r.udp.relay.dropped).toBeGreaterThan(60);
    expect(r.udp.relay.dropped).toBeLessThan(140);
    expect(r.udp.lost).toBe(r.udp.relay.dropped + (r.udp.lostInHost ?? 0));
    // Boundaries: every UDP datagram is one message; TCP reads do not line up with messages.
    expect(r.udp.boundariesKept).toBe(r.udp.reads);
    expect(r.tcp.reads).toBeLessThan(1000);
    expect(r.tcp.mergedReads).toBeGreaterThan(0);
    // Loss costs TCP time (head-of-line blocking), mostly about one round trip, not a 200 ms timeout.
    expect(r.tcp.latency.p99).toBeGreaterThan(2 * 2);
    expect(r.tcp.latency.p50).toBeLessThan(50);
    expect(r.tcp.handshakeMs).toBe(4);
    expect(r.tcp.teardownMs).toBe(4);
    expect(r.udp.series.length).toBeGreaterThan(10);
    expect(r.tcp.series.every((p) => p.ms >= 0)).toBe(true);
  });

  it('duplicates and reordering reach the UDP application, never the TCP one; the same seed repeats both', async () => {
    const opts = LabRunInput.parse({
      count: 500,
      rate: 2000,
      lossPct: 0,
      dupPct: 10,
      reorderPct: 10,
      pauseMs: 0,
      rcvBufBytes: 1 << 20,
      delayMs: 1,
      seed: 3,
    });
    const r = await runLab(opts);
    expect(r.tcp).toMatchObject({ delivered: 500, duplicated: 0, outOfOrder: 0 });
    expect(r.tcp.relay.duplicated).toBeGreaterThan(20);
    // Every copy the relay made is sent to the UDP socket, but on a starved machine the kernel may drop a
    // few datagrams (copies included) at the receive buffer, so the application sees at most as many.
    expect(r.udp.duplicated).toBeLessThanOrEqual(r.udp.relay.duplicated);
    expect(r.udp.duplicated).toBeGreaterThan(20);
    expect(r.udp.outOfOrder).toBeGreaterThan(20);
    const again = await runLab(opts);
    expect(again.udp.relay).toEqual(r.udp.relay);
    expect(again.tcp.latency).toEqual(r.tcp.latency);
  });

  it('flow control: while the receivers pause, TCP waits for its window and loses nothing; UDP overflows', async () => {
    const r = await runLab(
      LabRunInput.parse({
        count: 1000,
        lossPct: 0,
        dupPct: 0,
        reorderPct: 0,
        pauseMs: 300,
        rcvBufBytes: 4096,
      }),
    );
    expect(r.tcp.lost).toBe(0);
    expect(r.tcp.windowLimitedMs).toBeGreaterThan(100);
    expect(r.udp.relay.dropped).toBe(0);
    // About 300 datagrams arrive while nobody reads; a 4 KiB socket buffer holds a few of them.
    expect(r.udp.lostInHost).toBeGreaterThan(100);
  });

  it('a bandwidth cap queues both paths; UDP drops at the full queue', async () => {
    const r = await runLab(
      LabRunInput.parse({
        count: 400,
        size: 1024,
        rate: 4000,
        bandwidthKbps: 2000,
        lossPct: 0,
        dupPct: 0,
        reorderPct: 0,
        pauseMs: 0,
        rcvBufBytes: 1 << 20,
        delayMs: 0,
        seed: 5,
      }),
      {},
      { maxQueueBytes: 32 * 1024 },
    );
    expect(r.tcp.delivered).toBe(400);
    expect(r.udp.relay.queueDropped).toBeGreaterThan(0);
    expect(r.udp.lost).toBeGreaterThanOrEqual(r.udp.relay.queueDropped);
  });

  it('the service runs one lab at a time, reports progress and can be cancelled', async () => {
    const lab = new LabService();
    cleanups.push(() => lab.close());
    const events: string[] = [];
    lab.on((e) => events.push(e.type));
    const d = createDispatcher({ lab: labContract }, { lab });
    expect(await d.call('lab.run', { lossPct: 80 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await d.call('lab.run', { count: 0 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await d.call('lab.run', { tcpSource: 'netem' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    const long = d.call('lab.run', { count: 100_000, rate: 100 });
    await waitFor(() => events.includes('progress'), 5000, 'progress');
    expect(await d.call('lab.run', {})).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    expect(await d.call('lab.cancel', {})).toMatchObject({ ok: true, value: { cancelled: true } });
    const r = (await long) as { ok: true; value: { udp: { sent: number } } };
    expect(r.ok).toBe(true);
    expect(r.value.udp.sent).toBeLessThan(100_000);
    expect(events.at(-1)).toBe('done');
    expect(await d.call('lab.defaults', {})).toMatchObject({
      ok: true,
      value: { defaults: { count: LAB_DEFAULTS.count, lossPct: LAB_DEFAULTS.lossPct, tcpSource: 'model' } },
    });
    const caps = (await d.call('lab.capabilities', {})) as {
      ok: true;
      value: { kernel: { available: boolean; reason?: string } };
    };
    expect(caps.ok).toBe(true);
    if (!caps.value.kernel.available) {
      expect(caps.value.kernel.reason).toMatch(/kernel check needs/);
      expect(await d.call('lab.run', { tcpSource: 'kernel' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_SUPPORTED' },
      });
    }
  });
});

const kernel = await kernelCheckAvailability();
describe('TCP-vs-UDP lab with the kernel check', () => {
  it.skipIf(!kernel.available)(
    `the TCP column is Linux's own TCP, labelled measured${kernel.available ? '' : ` (skipped: ${kernel.reason})`}`,
    async () => {
      const r = await runLab(LabRunInput.parse({ count: 500, tcpSource: 'kernel', pauseMs: 0 }));
      expect(r.tcp).toMatchObject({
        source: 'measured',
        congestionControl: 'cubic',
        delivered: 500,
        lost: 0,
      });
      expect(r.tcp.sourceText).toContain('Linux TCP');
      expect(r.tcp.handshakeMs).toBeGreaterThanOrEqual(2 * LAB_DEFAULTS.delayMs);
      expect(r.tcp.duplicated).toBe(0);
      expect(r.tcp.outOfOrder).toBe(0);
      expect(r.tcp.relay.units).toBeGreaterThan(0);
    },
  );
});
