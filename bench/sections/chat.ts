// `npm run bench -- chat`: the chat server against a bare newline-framed broadcast server written here
// (no protocol, no acks, no persistence — the floor of what broadcasting 100-byte lines over TCP costs),
// both measured in the same run with the same clients, in 5 interleaved rounds (bench/harness.ts): each
// ratio is the median of the per-round ratios, with its spread. (The clients run in this process, so
// the server's CPU cannot be told apart from theirs here: these figures are wall-clock only.) Then 1,000 idle members: memory per client,
// measured in a child process that holds only the server (so client sockets are not counted).
// Discovery is never started here: multicast stays off the machine's interfaces.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatServer } from '../../src/main/engines/chat/server';
import { MIN_ROUNDS, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';
import { directConversation } from './chat-direct';

const CLIENTS = 50;
const MSG_BYTES = 100;
const WINDOW = 64; // messages a sender may have unacknowledged (chat) / unechoed (bare) at once
const IDLE = 1000;

interface RunResult {
  deliveries: number;
  seconds: number;
  p50: number;
  p99: number;
  lost: number;
  dup: number;
  malformed: number;
}

function payload(sender: number, n: number): string {
  const head = `${sender}:${n}:${performance.now().toFixed(3)}:`;
  return head + 'x'.repeat(MSG_BYTES - head.length);
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads newline-terminated lines from a socket. */
function onLines(s: Socket, fn: (line: string) => void): void {
  let rest = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) fn(p);
  });
}

interface Harness {
  port: number;
  /** Frames a payload for the wire; extracts the payload from a received line (undefined = not a message). */
  frame(text: string, id: string): string;
  unframe(line: string): string | undefined;
  /** Is this line the sender's completion signal for one message (ack or its own echo)? */
  isAck(line: string): boolean;
  hello?(i: number): string;
  close(): Promise<void>;
}

async function measure(h: Harness, senders: number, perSender: number): Promise<RunResult> {
  const socks = await Promise.all(Array.from({ length: CLIENTS }, () => open(h.port)));
  const expected = (CLIENTS - 1) * senders * perSender;
  const latencies = new Float64Array(expected);
  let got = 0;
  let dup = 0;
  let malformed = 0;
  const seen = socks.map(() => Array.from({ length: senders }, () => new Uint8Array(perSender)));
  let ready = 0;
  let allReady!: () => void;
  const readyP = new Promise<void>((r) => (allReady = r));
  let done!: () => void;
  const doneP = new Promise<void>((r) => (done = r));
  const acks: ((n: number) => void)[] = [];
  socks.forEach((s, i) => {
    let joined = false;
    onLines(s, (line) => {
      if (!joined) {
        if (line.includes('"joined"') || line === 'ready') {
          joined = true;
          if (++ready === CLIENTS) allReady();
        }
        return;
      }
      if (h.isAck(line)) {
        acks[i]?.(1);
        return;
      }
      const text = h.unframe(line);
      if (text === undefined) return;
      const [a, b, c] = text.split(':');
      const sender = Number(a);
      const n = Number(b);
      if (
        text.length !== MSG_BYTES ||
        !Number.isInteger(sender) ||
        !Number.isInteger(n) ||
        sender >= senders ||
        n >= perSender
      ) {
        malformed += 1;
        return;
      }
      const row = seen[i]![sender]!;
      if (row[n]) {
        dup += 1;
        return;
      }
      row[n] = 1;
      latencies[got] = performance.now() - Number(c);
      got += 1;
      if (got === expected) done();
    });
    if (h.hello) s.write(h.hello(i));
    else s.write('ready?\n');
  });
  await readyP;
  const t0 = performance.now();
  const sending = Array.from({ length: senders }, (_, si) => {
    const s = socks[si]!;
    return new Promise<void>((resolve) => {
      let sent = 0;
      let inFlight = 0;
      const pump = () => {
        while (sent < perSender && inFlight < WINDOW) {
          inFlight += 1;
          const ok = s.write(h.frame(payload(si, sent), `${si}-${sent}`));
          sent += 1;
          if (!ok) {
            s.once('drain', pump);
            return;
          }
        }
        if (sent === perSender) resolve();
      };
      acks[si] = () => {
        inFlight -= 1;
        pump();
      };
      pump();
    });
  });
  const timeout = new Promise<void>((r) => setTimeout(r, 40_000).unref());
  await Promise.all(sending);
  await Promise.race([doneP, timeout]);
  const seconds = (performance.now() - t0) / 1000;
  for (const s of socks) s.destroy();
  await h.close();
  const sorted = latencies.slice(0, got).sort();
  return {
    deliveries: got,
    seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    lost: expected - got,
    dup,
    malformed,
  };
}

async function bareServer(): Promise<Harness> {
  const clients = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (s) => {
    s.setEncoding('utf8');
    let rest = '';
    let ready = false;
    s.on('data', (d: string) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (!ready) {
          ready = true;
          clients.add(s);
          s.write('ready\n');
          continue;
        }
        const out = `${line}\n`;
        // The sender gets its own line back as the "ack" the windowed sender waits for.
        for (const c of clients) c.write(c === s ? 'ok\n' : out);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => clients.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    frame: (text) => `${text}\n`,
    unframe: (line) => (line === 'ok' || line === 'ready' ? undefined : line),
    isAck: (line) => line === 'ok',
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function chatServer(dir: string): Promise<Harness> {
  const server = new ChatServer('bench', {
    name: 'bench',
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    maxClients: 2000,
    // The bench measures throughput, so the per-client rate limit is lifted; acks and persistence stay on.
    rateLimitPerSec: 1_000_000,
    rateLimitBurst: 1_000_000,
    historyOnJoin: 0,
  });
  const info = await server.start();
  return {
    port: info.port,
    hello: (i) =>
      `${JSON.stringify({ t: 'hello', v: 1, nick: `bench${i}`, identity: `bench-identity-${i}` })}\n${JSON.stringify({ t: 'join', room: 'lobby' })}\n`,
    frame: (text, id) => `${JSON.stringify({ t: 'msg', id, room: 'lobby', text })}\n`,
    unframe: (line) => {
      if (!line.startsWith('{"t":"msg"')) return undefined;
      return (JSON.parse(line) as { text: string }).text;
    },
    isAck: (line) => line.startsWith('{"t":"ack"'),
    close: () => server.close(),
  };
}

async function idleChild(): Promise<void> {
  // Child mode: hold a chat server (or the bare one) and report memory on request.
  const dir = process.env.WIRELAB_CHAT_BENCH_DIR!;
  const kind = process.env.WIRELAB_CHAT_BENCH_CHILD;
  const h = kind === 'bare' ? await bareServer() : await chatServer(dir);
  const gc = (globalThis as { gc?: () => void }).gc;
  const mem = () => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
  };
  process.stdout.write(`${JSON.stringify({ port: h.port, ...mem() })}\n`);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (d.includes('mem')) process.stdout.write(`${JSON.stringify(mem())}\n`);
    if (d.includes('exit')) process.exit(0);
  });
}

async function idleMemory(
  kind: 'chat' | 'bare',
  dir: string,
): Promise<{ perClientBytes: number; rssPerClient: number }> {
  // The source file, also when the harness runs bundled (scripts/bench.mjs).
  const self = join(process.cwd(), 'bench', 'sections', 'chat.ts');
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self], {
    env: { ...process.env, WIRELAB_CHAT_BENCH_CHILD: kind, WIRELAB_CHAT_BENCH_DIR: dir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const replies: ((o: { port?: number; rss: number; heap: number }) => void)[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      replies.shift()?.(JSON.parse(line) as { port?: number; rss: number; heap: number });
    }
  });
  const next = () => new Promise<{ port?: number; rss: number; heap: number }>((r) => replies.push(r));
  try {
    const base = await next();
    const socks: Socket[] = [];
    let ready = 0;
    for (let i = 0; i < IDLE; i++) {
      const s = await open(base.port!);
      socks.push(s);
      onLines(s, (line) => {
        if (line.includes('"joined"') || line === 'ready') ready += 1;
      });
      s.write(
        kind === 'bare'
          ? 'ready?\n'
          : `${JSON.stringify({ t: 'hello', v: 1, nick: `idle${i}`, identity: `idle-identity-${i}` })}\n${JSON.stringify({ t: 'join', room: 'lobby' })}\n`,
      );
    }
    const start = Date.now();
    while (ready < IDLE && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.stdin.write('mem\n');
    const after = await next();
    for (const s of socks) s.destroy();
    return { perClientBytes: (after.heap - base.heap) / IDLE, rssPerClient: (after.rss - base.rss) / IDLE };
  } finally {
    child.stdin.write('exit\n');
    child.kill();
  }
}

export const chatSection: BenchSection = {
  name: 'chat',
  description: `chat server (acks + persistence) vs bare newline broadcast: ${CLIENTS} clients, ${MSG_BYTES}-byte messages; ${IDLE} idle clients; a messenger direct conversation vs a bare TLS socket pair`,
  async run(log, options) {
    const records: BenchRecord[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-bench-chat-'));
    const scale = options?.quick ? 0.5 : 1;
    const median = (xs: number[]) => spreadOf(xs).median;
    try {
      for (const [senders, perSenderFull] of [
        [1, 400],
        [5, 160],
      ] as const) {
        const perSender = Math.round(perSenderFull * scale);
        const res = await interleaved<'bare' | 'chat', RunResult>(
          [
            { key: 'bare', run: async () => measure(await bareServer(), senders, perSender) },
            {
              key: 'chat',
              run: async (round) =>
                measure(await chatServer(join(dir, `run-${senders}-${round}`)), senders, perSender),
            },
          ],
          MIN_ROUNDS,
        );
        const bare = res.get('bare') ?? [];
        const chat = res.get('chat') ?? [];
        const rate = (r: RunResult) => r.deliveries / r.seconds;
        bare.forEach((b, i) => {
          const c = chat[i]!;
          log(
            `${senders} sender(s), round ${i + 1}: bare ${rate(b).toFixed(0)} deliveries/s p50 ${b.p50.toFixed(2)} ms p99 ${b.p99.toFixed(2)} ms | chat ${rate(c).toFixed(0)}/s p50 ${c.p50.toFixed(2)} ms p99 ${c.p99.toFixed(2)} ms; chat lost ${c.lost} dup ${c.dup} malformed ${c.malformed}`,
          );
        });
        const name = `${senders} sender${senders > 1 ? 's' : ''}`;
        const col = (rs: RunResult[], f: (r: RunResult) => number) => rs.map(f);
        records.push(
          record('chat', {
            name: `${name}: deliveries/s`,
            value: median(col(chat, rate)),
            unit: 'msg/s',
            reference: 'bare newline broadcast server',
            referenceValue: median(col(bare, rate)),
            ratioSamples: pairedRatios(col(chat, rate), col(bare, rate)),
            target: 0.5,
            basis: 'wall',
          }),
        );
        for (const p of ['p50', 'p99'] as const)
          records.push(
            record('chat', {
              name: `${name}: ${p} latency (ref/value, higher=better)`,
              value: median(col(chat, (r) => r[p])),
              unit: 'ms',
              reference: 'bare newline broadcast server',
              referenceValue: median(col(bare, (r) => r[p])),
              ratioSamples: pairedRatios(
                col(chat, (r) => r[p]),
                col(bare, (r) => r[p]),
                true,
              ),
              target: null,
              basis: 'wall',
            }),
          );
        records.push(
          record('chat', {
            name: `${name}: lost+dup+merged/split (all rounds)`,
            value: chat.reduce((a, r) => a + r.lost + r.dup + r.malformed, 0),
            unit: 'msgs',
            reference: null,
            referenceValue: null,
            target: null,
            basis: 'count',
          }),
        );
      }
      const chatMem = await idleMemory('chat', join(dir, 'idle'));
      const bareMem = await idleMemory('bare', join(dir, 'idle-bare'));
      // RSS is logged only: the allocator returns pages after GC, so its difference is noise at this scale.
      log(
        `${IDLE} idle clients: chat ${(chatMem.perClientBytes / 1024).toFixed(1)} KiB heap+buffers/client (RSS delta ${(chatMem.rssPerClient / 1024).toFixed(1)} KiB); bare ${(bareMem.perClientBytes / 1024).toFixed(1)} KiB (RSS delta ${(bareMem.rssPerClient / 1024).toFixed(1)} KiB)`,
      );
      records.push(
        record('chat', {
          name: `${IDLE} idle clients: memory per client (ref/value)`,
          value: chatMem.perClientBytes,
          unit: 'bytes',
          reference: 'bare broadcast server, same clients',
          referenceValue: bareMem.perClientBytes,
          ratio: chatMem.perClientBytes > 0 ? bareMem.perClientBytes / chatMem.perClientBytes : null,
          target: null,
        }),
      );
      // The LAN messenger (peer to peer, no server): one direct conversation against a bare TLS pair.
      records.push(...(await directConversation(log, options)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return records;
  },
};

if (process.env.WIRELAB_CHAT_BENCH_CHILD) void idleChild();
