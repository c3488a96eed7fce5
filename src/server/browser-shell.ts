// The browser shell: the same services as the Electron app, served to a browser over 127.0.0.1.
// HTTP serves the built renderer; one WebSocket path carries the contract. The socket is refused unless
// it presents this run's random token and comes from the shell's own Origin — any other page the user
// has open in the same browser could otherwise drive the user's sockets.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { wireEncodeBinary, wireParse, wireStringify as wireStringifyWith } from '../shared/wire-json';
import { createServices, type Services } from '../main/services';
import { listen } from '../main/engines/common/net';
import { originAllowed, tokenMatches } from './origin-policy';
import { serveStatic } from './static-files';

const nodeBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const wireStringify = (v: unknown) => wireStringifyWith(v, nodeBase64);

export interface BrowserShellOptions {
  /** Port for the page and socket; 0 picks a free one. */
  port: number;
  host: string;
  dataDir: string;
  rendererDir: string;
  version: string;
  /** Largest message accepted from the page (default 8 MiB); larger frames close the socket. */
  maxMessageBytes: number;
  /** Fixed token (tests); random 32 bytes hex by default. */
  token?: string;
  /** LAN chat discovery over mDNS (`--no-discovery` turns it off; tests always do). */
  chatDiscovery?: boolean;
}

export const BROWSER_SHELL_DEFAULTS = { port: 0, host: '127.0.0.1', maxMessageBytes: 8 * 1024 * 1024 };

export interface BrowserShell {
  url: string;
  port: number;
  token: string;
  services: Services;
  close(): Promise<void>;
}

interface RequestFrame {
  id: number;
  channel: string;
  input: unknown;
}

function isRequestFrame(v: unknown): v is RequestFrame {
  const o = v as Partial<RequestFrame> | null;
  return !!o && typeof o === 'object' && typeof o.id === 'number' && typeof o.channel === 'string';
}

export async function startBrowserShell(
  opts: Partial<BrowserShellOptions> & Pick<BrowserShellOptions, 'dataDir' | 'rendererDir' | 'version'>,
): Promise<BrowserShell> {
  const options: BrowserShellOptions = { ...BROWSER_SHELL_DEFAULTS, ...opts };
  const token = options.token ?? randomBytes(32).toString('hex');
  const services = createServices({
    dataDir: options.dataDir,
    shell: 'browser',
    version: options.version,
    ...(options.chatDiscovery === undefined ? {} : { chatDiscovery: options.chatDiscovery }),
  });
  let port = 0;
  const http: Server = createServer((req, res) => {
    serveStatic(options.rendererDir, req, res, `ws://127.0.0.1:${port} ws://localhost:${port}`);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  const sockets = new Set<WebSocket>();

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(401, 'Unauthorized');
    if (!originAllowed(req.headers.origin, port)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  const unsubscribe = services.bus.subscribe((batch) => {
    if (sockets.size === 0) return;
    // Event batches go as one binary frame: payload bytes are neither base64-encoded nor JSON-escaped.
    const frame = wireEncodeBinary({ kind: 'events', events: batch });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  });

  function onSocket(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : wireParse(raw.toString());
      } catch {
        frame = undefined;
      }
      if (!isRequestFrame(frame)) {
        ws.send(
          JSON.stringify({
            kind: 'error',
            error: { code: 'INVALID_INPUT', message: 'malformed request frame' },
          }),
        );
        return;
      }
      void services.dispatcher.call(frame.channel, frame.input).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(wireStringify({ kind: 'result', id: frame.id, result }));
      });
    });
  }

  try {
    port = (await listen(http, options.port, options.host)).port;
  } catch (err) {
    await services.close();
    throw err;
  }
  port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    services,
    close() {
      closing ??= (async () => {
        unsubscribe();
        for (const ws of sockets) ws.terminate();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        await services.close();
      })();
      return closing;
    },
  };
}
