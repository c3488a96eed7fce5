// `wirelab lab tcp-vs-udp`: the TCP-vs-UDP lab headless — both columns and the text that ties each
// number to the seed's list of differences.
import {
  LAB_DEFAULTS,
  LAB_EXPLANATIONS,
  type LabMetric,
  type ProtocolResult,
} from '../../shared/contract/lab';
import { EngineError } from '../../main/engines/common/errors';
import { openClient } from '../client';
import { EXIT, type Command } from '../framework';

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n))
    throw new EngineError('INVALID_INPUT', `${name} must be a number, got "${String(v)}"`);
  return n;
}

const fmt = (v: number | undefined, unit = '') =>
  v === undefined ? '-' : `${Number.isInteger(v) ? v : v.toFixed(2)}${unit}`;

function rows(t: ProtocolResult, u: ProtocolResult): [string, string, string, LabMetric | null][] {
  return [
    ['delivered', `${t.delivered}/${t.sent}`, `${u.delivered}/${u.sent}`, 'delivered'],
    ['lost', fmt(t.lost), `${u.lost}${u.lostInHost ? ` (${u.lostInHost} in host buffers)` : ''}`, 'lost'],
    ['duplicated (seen by the app)', fmt(t.duplicated), fmt(u.duplicated), 'duplicated'],
    ['out of order', fmt(t.outOfOrder), fmt(u.outOfOrder), 'outOfOrder'],
    ['reads by the receiver', fmt(t.reads), fmt(u.reads), 'boundaries'],
    [
      '  merged reads / split messages',
      `${t.mergedReads} / ${t.splitMessages}`,
      `${u.boundariesKept} kept whole`,
      null,
    ],
    [
      'latency p50 / p95 / max (ms)',
      `${fmt(t.latency.p50)} / ${fmt(t.latency.p95)} / ${fmt(t.latency.max)}`,
      `${fmt(u.latency.p50)} / ${fmt(u.latency.p95)} / ${fmt(u.latency.max)}`,
      'latency',
    ],
    ['throughput', fmt(t.throughputBps, ' B/s'), fmt(u.throughputBps, ' B/s'), 'throughput'],
    ['handshake', fmt(t.handshakeMs, ' ms'), 'none', 'handshake'],
    ['teardown', fmt(t.teardownMs, ' ms'), 'none', 'teardown'],
    [
      'sender held back by flow control',
      fmt(t.senderBlockedMs, ' ms'),
      `${u.relay.queueDropped} dropped at a full queue`,
      'flowControl',
    ],
    [
      'relay: dropped / duplicated / reordered',
      `${t.relay.dropped} / ${t.relay.duplicated} / ${t.relay.reordered} of ${t.relay.units} segments`,
      `${u.relay.dropped} / ${u.relay.duplicated} / ${u.relay.reordered} of ${u.relay.units}`,
      null,
    ],
    ['retransmissions (TCP model)', fmt(t.retransmissions), '-', null],
  ];
}

export const labTcpVsUdp: Command = {
  path: ['lab', 'tcp-vs-udp'],
  summary: 'Send numbered messages over TCP and UDP through a lossy relay; compare',
  usage: `wirelab lab tcp-vs-udp [--loss P] [--dup P] [--reorder P] [--count N] [--size B] [--rate R]
                         [--delay MS] [--jitter MS] [--bandwidth KBPS] [--seed N] [--rto MS] [--json]

  --loss P        % of datagrams / segments the relay drops (default ${LAB_DEFAULTS.lossPct}, max 50)
  --dup P         % it duplicates (default ${LAB_DEFAULTS.dupPct})
  --reorder P     % it holds back behind the next one (default ${LAB_DEFAULTS.reorderPct})
  --count N       messages per protocol (default ${LAB_DEFAULTS.count}, max ${LAB_DEFAULTS.maxCount})
  --size B        bytes per message incl. an 8-byte header (default ${LAB_DEFAULTS.size}, ${LAB_DEFAULTS.minSize}..${LAB_DEFAULTS.maxSize})
  --rate R        messages per second (default ${LAB_DEFAULTS.rate}, max ${LAB_DEFAULTS.maxRate})
  --delay MS      one-way delay through the relay (default ${LAB_DEFAULTS.delayMs}); --jitter MS ± around it
  --bandwidth K   link cap in kbit/s (default 0 = none)
  --seed N        PRNG seed: the same seed repeats the relay's decisions (default ${LAB_DEFAULTS.seed})
  --rto MS        TCP model's retransmission timeout (default ${LAB_DEFAULTS.rtoMs})
Everything runs on 127.0.0.1. --json prints one object with both columns.`,
  options: {
    loss: { type: 'string' },
    dup: { type: 'string' },
    reorder: { type: 'string' },
    count: { type: 'string' },
    size: { type: 'string' },
    rate: { type: 'string' },
    delay: { type: 'string' },
    jitter: { type: 'string' },
    bandwidth: { type: 'string' },
    seed: { type: 'string' },
    rto: { type: 'string' },
  },
  async run({ values }, io) {
    const raw = {
      lossPct: num(values.loss, '--loss'),
      dupPct: num(values.dup, '--dup'),
      reorderPct: num(values.reorder, '--reorder'),
      count: num(values.count, '--count'),
      size: num(values.size, '--size'),
      rate: num(values.rate, '--rate'),
      delayMs: num(values.delay, '--delay'),
      jitterMs: num(values.jitter, '--jitter'),
      bandwidthKbps: num(values.bandwidth, '--bandwidth'),
      seed: num(values.seed, '--seed'),
      rtoMs: num(values.rto, '--rto'),
    };
    // The run goes through the dispatcher: the UI's schema fills in the defaults and checks the ranges.
    const client = openClient(['lab']);
    try {
      const { api, must } = client;
      const o = (await must(api.lab.defaults({}))).defaults;
      Object.assign(o, Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
      client.check('lab.run', o);
      if (!io.json)
        io.out(
          `running ${o.count} messages of ${o.size} B at ${o.rate}/s, loss ${o.lossPct} %, dup ${o.dupPct} %, reorder ${o.reorderPct} %, delay ${o.delayMs}±${o.jitterMs} ms, seed ${o.seed} …`,
        );
      const run = must(api.lab.run(o));
      void io.interrupted.then(() => api.lab.cancel({}));
      const r = await run;
      if (io.json) {
        io.out('', { type: 'result', ...r, explanations: LAB_EXPLANATIONS });
        return EXIT.OK;
      }
      const table = rows(r.tcp, r.udp);
      const w = Math.max(...table.map((x) => x[1].length), 10);
      io.out(`\n${''.padEnd(40)} ${'TCP'.padEnd(w)}  UDP`);
      for (const [label, t, u] of table) io.out(`${label.padEnd(40)} ${t.padEnd(w)}  ${u}`);
      io.out("\nWhat the numbers show (the seed's differences):");
      const seen = new Set<LabMetric>();
      for (const [, , , m] of table) {
        if (!m || seen.has(m)) continue;
        seen.add(m);
        io.out(`  ${m} — ${LAB_EXPLANATIONS[m].difference}: ${LAB_EXPLANATIONS[m].text}`);
      }
      if (r.timedOut) io.out('\n(the run hit its time limit; the figures are partial)');
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
