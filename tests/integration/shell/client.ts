// A minimal page-side client of the browser shell for integration tests: calls by id, event batches,
// link frames and error frames, over a real WebSocket with the shell's Origin.
import WebSocket from 'ws';
import { wireDecodeBinary, wireParse, wireStringify } from '../../../src/shared/wire-json';
import type { WirelabEvent } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';

export interface ShellClient {
  ws: WebSocket;
  events: WirelabEvent[];
  links: { engines: string; restarted: boolean }[];
  errors: { code: string; message: string }[];
  call(channel: string, input?: unknown, timeoutMs?: number): Promise<Result<unknown>>;
  close(): void;
}

export function openSocket(
  port: number,
  token: string,
  headers: { origin?: string; host?: string } = {},
): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, {
      origin: headers.origin ?? `http://127.0.0.1:${port}`,
      ...(headers.host ? { headers: { host: headers.host } } : {}),
    });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({}));
  });
}

export async function connectClient(port: number, token: string): Promise<ShellClient> {
  const { ws, status } = await openSocket(port, token);
  if (!ws) throw new Error(`socket refused (${status})`);
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  const client: ShellClient = {
    ws,
    events: [],
    links: [],
    errors: [],
    call(channel, input = {}, timeoutMs = 10_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${channel}: no answer in ${timeoutMs} ms`)), timeoutMs);
        waiting.set(id, (r) => {
          clearTimeout(t);
          resolve(r);
        });
        ws.send(wireStringify({ id, channel, input }));
      });
    },
    close: () => ws.terminate(),
  };
  let nextId = 1;
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const f = (isBinary ? wireDecodeBinary(new Uint8Array(raw)) : wireParse(raw.toString())) as {
      kind: string;
      id: number;
      result: Result<unknown>;
      events: WirelabEvent[];
      engines: string;
      restarted: boolean;
      error: { code: string; message: string };
    };
    if (f.kind === 'result') {
      waiting.get(f.id)?.(f.result);
      waiting.delete(f.id);
    } else if (f.kind === 'events') client.events.push(...f.events);
    else if (f.kind === 'link') client.links.push({ engines: f.engines, restarted: f.restarted });
    else if (f.kind === 'error') client.errors.push(f.error);
  });
  return client;
}
