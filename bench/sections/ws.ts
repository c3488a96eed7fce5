// Section `ws`: WebSocket echo round trips through the engine (a client session of the ws engine
// against the engine's own echo server, every message logged and evented) against a bare `ws` client
// and server pair in the same run. Round trips are sequential (send, wait for the echo), so the rate is
// the per-message latency of each stack. Interleaved rounds, median ratio with its spread.
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { WsService } from '../../src/main/engines/ws/service';
import { WsConnectInput } from '../../src/shared/contract/ws';
import { interleaved, pairedRatios, fmtSpread } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

const MESSAGE = 'x'.repeat(64);

async function bareRound(ms: number): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  await new Promise((r) => ws.once('open', r));
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    ws.on('message', () => {
      n++;
      if (performance.now() < end) ws.send(MESSAGE);
      else resolve();
    });
    ws.send(MESSAGE);
  });
  const rate = (n / (performance.now() - t0)) * 1000;
  ws.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  return rate;
}

async function engineRound(ms: number): Promise<number> {
  const engine = new WsService();
  const server = await engine.serverStart({
    host: '127.0.0.1',
    port: 0,
    mode: 'echo',
    maxClients: 10,
    maxMessageBytes: 1024 * 1024,
  });
  const { session } = await engine.connect(WsConnectInput.parse({ url: `ws://127.0.0.1:${server.port}/` }));
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    engine.on((e) => {
      if (e.type !== 'message' || e.message.dir !== 'in') return;
      n++;
      if (performance.now() < end) void engine.send({ session, data: MESSAGE, kind: 'text' });
      else resolve();
    });
    void engine.send({ session, data: MESSAGE, kind: 'text' });
  });
  const rate = (n / (performance.now() - t0)) * 1000;
  await engine.closeAll();
  return rate;
}

export const wsSection: BenchSection = {
  name: 'ws',
  description: 'WebSocket echo round trips: the ws engine (client session + echo server) vs a bare ws pair',
  async run(log, options): Promise<BenchRecord[]> {
    const ms = options.quick ? 500 : 2000;
    const rounds = await interleaved(
      [
        { key: 'engine', run: () => engineRound(ms) },
        { key: 'bare', run: () => bareRound(ms) },
      ],
      5,
    );
    const engine = rounds.get('engine')!;
    const bare = rounds.get('bare')!;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const r = record('ws', {
      name: 'WebSocket echo round trips/s (64 B text, sequential)',
      value: median(engine),
      unit: 'round trips/s',
      reference: 'bare ws client + ws echo server',
      referenceValue: median(bare),
      ratioSamples: pairedRatios(engine, bare),
      // No target yet: the figure shows what the engine's log, events and send pacing cost per message.
      target: null,
      basis: 'wall',
    });
    log(
      `ws echo: engine ${Math.round(r.value)}/s, bare ws ${Math.round(r.referenceValue ?? 0)}/s, ratio ${r.spread ? fmtSpread(r.spread) : r.ratio}`,
    );
    return [r];
  },
};
