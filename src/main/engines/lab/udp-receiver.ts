// The lab's UDP receiver, in a worker thread of its own so it can really stop reading: during the
// receiver pause its event loop is blocked, datagrams pile up in the socket's kernel buffer (SO_RCVBUF,
// the lab's receive buffer) and the kernel drops what does not fit — UDP without flow control, as it is.
// Arrivals go to a shared log (sequence number, time, length) that the run replays into its Tally.
import { Worker } from 'node:worker_threads';
import { toEngineError } from '../common/errors';

// Plain CommonJS run with `eval: true`, so no separate file has to be found next to the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const log = new Float64Array(workerData.log);
const meta = new Int32Array(workerData.meta);
const cap = log.length / 3;
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: workerData.rcvBufBytes });
s.on('error', (err) => parentPort.postMessage({ error: String(err && err.code || err) }));
s.on('message', (m) => {
  const i = meta[0];
  if (i >= cap) return;
  log[i * 3] = m.length >= 8 ? m.readUInt32BE(0) : -1;
  log[i * 3 + 1] = performance.timeOrigin + performance.now();
  log[i * 3 + 2] = m.length;
  Atomics.store(meta, 0, i + 1);
});
s.bind(0, '127.0.0.1', () => parentPort.postMessage({ port: s.address().port }));
parentPort.on('message', (msg) => {
  if (msg.pauseMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, msg.pauseMs);
  if (msg.close) s.close(() => parentPort.postMessage({ closed: true }));
});
`;

export interface UdpArrival {
  seq: number;
  /** performance.now() of this (the main) thread. */
  at: number;
  length: number;
}

export class UdpReceiver {
  private readonly log: Float64Array;
  private readonly meta: Int32Array;
  private readonly worker: Worker;
  private closed = false;

  /** Room for `capacity` arrivals (the run's messages and their duplicates). */
  constructor(capacity: number, rcvBufBytes: number) {
    const logBuf = new SharedArrayBuffer(capacity * 3 * 8);
    const metaBuf = new SharedArrayBuffer(4);
    this.log = new Float64Array(logBuf);
    this.meta = new Int32Array(metaBuf);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { log: logBuf, meta: metaBuf, rcvBufBytes },
    });
  }

  /** Binds on 127.0.0.1 port 0 and resolves with the port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { port?: number; error?: string }) => {
        if (m.port !== undefined) resolve(m.port);
        else if (m.error) reject(toEngineError(new Error(m.error), 'lab UDP receiver'));
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (err) => reject(toEngineError(err, 'lab UDP receiver')));
    });
  }

  /** Arrivals so far (cheap: one shared counter). */
  get count(): number {
    return Atomics.load(this.meta, 0);
  }

  /** The receiving application stops reading for `ms`. */
  pause(ms: number): void {
    this.worker.postMessage({ pauseMs: ms });
  }

  arrivals(): UdpArrival[] {
    const n = this.count;
    const shift = performance.timeOrigin;
    const out: UdpArrival[] = [];
    for (let i = 0; i < n; i++)
      out.push({
        seq: this.log[i * 3] as number,
        at: (this.log[i * 3 + 1] as number) - shift,
        length: this.log[i * 3 + 2] as number,
      });
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      this.worker.on('message', (m: { closed?: boolean }) => {
        if (m.closed) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    this.worker.postMessage({ close: true });
    await done;
    await this.worker.terminate();
  }
}
