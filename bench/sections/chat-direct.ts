// Part of `npm run bench -- chat`: a LAN messenger direct conversation (two MessengerService instances
// on 127.0.0.1, peers by address — TLS, per-sender sequence numbers, acks after the history log has the
// record, outbox) against a bare TLS socket pair moving the same 100-byte lines with the same window, in
// 5 interleaved rounds. Deliveries/s and p99 latency (send() call → the receiver has the message). Each
// run is bounded in count and time. No discovery: multicast stays off the machine's interfaces.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import { loadOrCreateAppCertificate } from '../../src/main/engines/common/app-cert';
import { MessengerService } from '../../src/main/engines/messenger/service';
import { MIN_ROUNDS, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchOptions, type BenchRecord } from '../types';

const MSG_BYTES = 100;
const WINDOW = 64;
const RUN_LIMIT_MS = 60_000;

interface Run {
  rate: number;
  p99: number;
  lost: number;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
}

function text(i: number): string {
  const head = `${i}:`;
  return head + 'x'.repeat(MSG_BYTES - head.length);
}

/** Sends n messages keeping at most WINDOW not yet received; resolves with the figures. */
async function drive(
  n: number,
  send: (i: number) => void,
  received: () => number,
  lat: number[],
): Promise<Run> {
  const start = performance.now();
  let sent = 0;
  const deadline = Date.now() + RUN_LIMIT_MS;
  while (received() < n && Date.now() < deadline) {
    while (sent < n && sent - received() < WINDOW) send(sent++);
    await new Promise((r) => setImmediate(r));
  }
  const seconds = (performance.now() - start) / 1000;
  return { rate: received() / seconds, p99: p99(lat), lost: n - received() };
}

async function messengerRun(dir: string, n: number): Promise<Run> {
  const a = new MessengerService({ dataDir: join(dir, 'a'), discovery: false });
  const b = new MessengerService({ dataDir: join(dir, 'b'), discovery: false });
  try {
    const ai = await a.start({ nick: 'a', status: 'online', host: '127.0.0.1', port: 0, peers: [] });
    const bi = await b.start({
      nick: 'b',
      status: 'online',
      host: '127.0.0.1',
      port: 0,
      peers: [{ host: '127.0.0.1', port: ai.port }],
    });
    const until = Date.now() + 20_000;
    while (!a.peers().peers.some((p) => p.connected) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    const conv = a.openDirect({ peer: bi.instanceId }).id;
    const sentAt: number[] = [];
    const lat: number[] = [];
    let got = 0;
    b.on((e) => {
      if (e.type !== 'message' || e.message.mine) return;
      got += 1;
      lat.push(performance.now() - sentAt[e.message.seq - 1]!);
    });
    return await drive(
      n,
      (i) => {
        sentAt[i] = performance.now();
        a.send({ conversation: conv, text: text(i) });
      },
      () => got,
      lat,
    );
  } finally {
    await a.close();
    await b.close();
  }
}

async function bareRun(dir: string, n: number): Promise<Run> {
  const cert = await loadOrCreateAppCertificate(join(dir, 'bare'));
  const server = tlsServer({
    cert: cert.certPem,
    key: cert.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const sentAt: number[] = [];
  const lat: number[] = [];
  let got = 0;
  server.on('secureConnection', (s: TLSSocket) => {
    let rest = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        const i = Number(line.slice(line.indexOf('"') + 1, line.indexOf(':')));
        got += 1;
        lat.push(performance.now() - sentAt[i]!);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const client = await new Promise<TLSSocket>((resolve, reject) => {
    const c = tlsConnect(
      { host: '127.0.0.1', port, cert: cert.certPem, key: cert.keyPem, rejectUnauthorized: false },
      () => resolve(c),
    );
    c.once('error', reject);
  });
  client.setNoDelay(true);
  try {
    return await drive(
      n,
      (i) => {
        sentAt[i] = performance.now();
        client.write(`${JSON.stringify(text(i))}\n`);
      },
      () => got,
      lat,
    );
  } finally {
    client.destroy();
    await new Promise((r) => server.close(r));
  }
}

export async function directConversation(
  log: (line: string) => void,
  options: BenchOptions | undefined,
): Promise<BenchRecord[]> {
  const n = options?.quick ? 1000 : 2000;
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-bench-messenger-'));
  try {
    const res = await interleaved<'bare' | 'messenger', Run>(
      [
        { key: 'bare', run: (round) => bareRun(join(dir, `bare-${round}`), n) },
        { key: 'messenger', run: (round) => messengerRun(join(dir, `m-${round}`), n) },
      ],
      MIN_ROUNDS,
    );
    const bare = res.get('bare') ?? [];
    const msg = res.get('messenger') ?? [];
    bare.forEach((b, i) => {
      const m = msg[i]!;
      log(
        `direct conversation, round ${i + 1}: bare TLS ${b.rate.toFixed(0)} msg/s p99 ${b.p99.toFixed(2)} ms | messenger ${m.rate.toFixed(0)} msg/s p99 ${m.p99.toFixed(2)} ms; lost ${m.lost}`,
      );
    });
    const median = (xs: number[]) => spreadOf(xs).median;
    /** One figure of the messenger against the bare pair, paired round by round. */
    const paired = (name: string, unit: string, of: (r: Run) => number, lowerIsBetter = false) =>
      record('chat', {
        name: `direct conversation (messenger): ${name}`,
        value: median(msg.map(of)),
        unit,
        reference: 'bare TLS socket pair, same lines and window',
        referenceValue: median(bare.map(of)),
        ratioSamples: pairedRatios(msg.map(of), bare.map(of), lowerIsBetter),
        target: null,
        basis: 'wall',
      });
    return [
      paired('deliveries/s', 'msg/s', (r) => r.rate),
      paired('p99 latency (ref/value, higher=better)', 'ms', (r) => r.p99, true),
      record('chat', {
        name: 'direct conversation (messenger): lost (all rounds)',
        value: msg.reduce((a, r) => a + r.lost, 0),
        unit: 'msgs',
        reference: null,
        referenceValue: null,
        target: null,
        basis: 'count',
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
