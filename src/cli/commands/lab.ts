// `wirelab lab tcp-vs-udp`: the TCP-vs-UDP lab headless — both columns and the text that ties each
// number to the textbook list of differences, in the same words as the app's table (LAB_ROWS, labCells).
import {
  LAB_DEFAULTS,
  LAB_EXPLANATIONS,
  LAB_ROWS,
  LAB_SOURCE_LABELS,
  labCells,
  type LabResult,
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

/** Label, TCP cell, UDP cell per row, as the app's results table shows them. */
function rows(r: LabResult): [string, string, string][] {
  const cells = labCells(r);
  return LAB_ROWS.map(({ metric, label }) => [label, cells[metric].tcp, cells[metric].udp]);
}

export const labTcpVsUdp: Command = {
  path: ['lab', 'tcp-vs-udp'],
  summary: 'Send numbered messages over TCP and UDP through a lossy relay; compare',
  usage: `wirelab lab tcp-vs-udp [--loss P] [--dup P] [--reorder P] [--count N] [--size B] [--rate R]
                         [--delay MS] [--jitter MS] [--bandwidth KBPS] [--seed N] [--rto MS]
                         [--rcvbuf B] [--pause MS] [--tcp model|kernel] [--json]

  --loss P        % of datagrams / segments the relay drops (default ${LAB_DEFAULTS.lossPct}, max 50)
  --dup P         % it duplicates (default ${LAB_DEFAULTS.dupPct})
  --reorder P     % it holds back behind the next one (default ${LAB_DEFAULTS.reorderPct})
  --count N       messages per protocol (default ${LAB_DEFAULTS.count}, max ${LAB_DEFAULTS.maxCount})
  --size B        bytes per message incl. an 8-byte header (default ${LAB_DEFAULTS.size}, ${LAB_DEFAULTS.minSize}..${LAB_DEFAULTS.maxSize})
  --rate R        messages per second (default ${LAB_DEFAULTS.rate}, max ${LAB_DEFAULTS.maxRate})
  --delay MS      one-way delay through the relay (default ${LAB_DEFAULTS.delayMs}); --jitter MS ± around it
  --bandwidth K   link cap in kbit/s (default 0 = none)
  --seed N        PRNG seed: the same seed repeats the relay's decisions (default ${LAB_DEFAULTS.seed})
  --rto MS        TCP's minimum retransmission timeout (default ${LAB_DEFAULTS.rtoMs}, Linux's)
  --rcvbuf B      receive buffer of both receivers: TCP's window, UDP's socket buffer (default ${LAB_DEFAULTS.rcvBufBytes})
  --pause MS      the receiving applications stop reading half-way for this long (default ${LAB_DEFAULTS.pauseMs})
  --tcp SOURCE    model (default): the TCP model; kernel: Linux's own TCP between two network
                  namespaces through the same seeded relay (Linux, root or CAP_NET_ADMIN, python3)
UDP is measured on 127.0.0.1. --json prints one object with both columns.`,
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
    rcvbuf: { type: 'string' },
    pause: { type: 'string' },
    tcp: { type: 'string' },
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
      rcvBufBytes: num(values.rcvbuf, '--rcvbuf'),
      pauseMs: num(values.pause, '--pause'),
      tcpSource: values.tcp === undefined ? undefined : String(values.tcp),
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
          `running ${o.count} messages of ${o.size} B at ${o.rate}/s, loss ${o.lossPct} %, duplicate ${o.dupPct} %, reorder ${o.reorderPct} %, delay ${o.delayMs}±${o.jitterMs} ms each way, receive buffer ${o.rcvBufBytes} B, receiver pause ${o.pauseMs} ms, seed ${o.seed}, TCP: ${o.tcpSource === 'kernel' ? 'kernel check' : 'model'} …`,
        );
      const run = must(api.lab.run(o));
      void io.interrupted.then(() => api.lab.cancel({}));
      const r = await run;
      if (io.json) {
        io.out('', { type: 'result', ...r, explanations: LAB_EXPLANATIONS });
        return EXIT.OK;
      }
      const table = rows(r);
      const w = Math.max(...table.map((x) => x[1].length), 10);
      const head = (p: LabResult['tcp']) => `${p.protocol.toUpperCase()} (${LAB_SOURCE_LABELS[p.source]})`;
      io.out(`\n${''.padEnd(28)} ${head(r.tcp).padEnd(w)}  ${head(r.udp)}`);
      for (const [label, t, u] of table) io.out(`${label.padEnd(28)} ${t.padEnd(w)}  ${u}`);
      io.out(`\nTCP: ${r.tcp.sourceText}\nUDP: ${r.udp.sourceText}`);
      io.out('\nWhat the numbers show (the textbook differences):');
      for (const { metric, label } of LAB_ROWS)
        io.out(`  ${label} — ${LAB_EXPLANATIONS[metric].difference}: ${LAB_EXPLANATIONS[metric].text}`);
      if (r.timedOut) io.out('\n(the run hit its time limit; the figures are partial)');
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
