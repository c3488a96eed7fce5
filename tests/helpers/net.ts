// Helpers for integration tests: raw sockets on loopback and waiting for conditions without sleeps.
import { connect, type Socket } from 'node:net';

export function rawConnect(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects everything a socket receives; `until(pred)` resolves once the text satisfies pred. */
export function collect(socket: Socket): {
  text: () => string;
  until: (pred: (t: string) => boolean, ms?: number) => Promise<string>;
} {
  let buf = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  socket.on('close', () => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    text: () => buf,
    until(pred, ms = 5000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timeout waiting; got ${JSON.stringify(buf.slice(0, 500))}`)),
          ms,
        );
        const check = () => {
          if (pred(buf)) {
            clearTimeout(t);
            resolve(buf);
          } else if (socket.destroyed) {
            clearTimeout(t);
            reject(new Error(`socket closed; got ${JSON.stringify(buf.slice(0, 500))}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

export async function waitFor<T>(fn: () => T | undefined | false, ms = 5000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
