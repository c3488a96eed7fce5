// The browser shell: the whole app in a browser at a 127.0.0.1 URL. HTTP serves the built renderer;
// one WebSocket path carries the contract. The socket is refused unless it presents the data dir's
// token, comes from the shell's own Origin and names the shell's own Host — any other page the user has
// open (or a DNS-rebinding one) could otherwise drive the user's sockets. The shell only forwards:
// the engines run in the engine host process (src/main/host/), supervised by host-supervisor.ts.
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WirelabEvent } from '../shared/contract';
import type { Result } from '../shared/errors';
import { wireEncodeBinary, wireParse } from '../shared/wire-json';
import { listen } from '../main/engines/common/net';
import { EngineError } from '../main/engines/common/errors';
import { originAllowed, tokenMatches } from './origin-policy';
import { serveStatic } from './static-files';
import { hostAllowed, SlowReaderGate } from './frame-guard';
import { RequestDepthGuard } from './frame-depth';
import type { BackendState, ShellBackend } from './backend';
import { loadOrCreateShellToken, rememberedPort, rememberPort, saveShellToken } from './shell-token';
import { startEngineHost, type SupervisionOptions } from './host-process';

export interface BrowserShellOptions {
  /** Port for the page and socket; 0 picks a free one. */
  port: number;
  host: string;
  dataDir: string;
  rendererDir: string;
  version: string;
  /** Largest message accepted from the page (default 8 MiB); a larger frame closes the socket (1009). */
  maxMessageBytes: number;
  /**
   * Deepest JSON nesting a request frame may have (default 256); checked while the frame arrives, so a
   * deeper one is refused (LIMIT_EXCEEDED error frame, then close 1008) before it is buffered.
   */
  maxJsonDepth: number;
  /**
   * Unsent bytes a socket may hold before event batches for it are dropped (default 8 MiB); the page
   * then gets one "dropped N" event per session once it catches up.
   */
  maxBufferedBytes: number;
  /** Unsent bytes at which a socket that does not read is closed with code 4008 (default 32 MiB). */
  maxBufferedBytesHard: number;
  /** While every page is over `maxBufferedBytes`, how often to look whether one drained (default 100 ms). */
  drainCheckMs: number;
  /** Fixed token (tests); by default the data dir's token file (created once, mode 0600). */
  token?: string;
  /** With port 0: try the port this data dir's shell used last, so open tabs reconnect (default false). */
  reusePort?: boolean;
  /** LAN chat discovery over mDNS (`--no-discovery` turns it off; tests always do). */
  chatDiscovery?: boolean;
  /** Where the engines run: a supervised engine host process (default) or this process. */
  engines: 'host' | 'in-process';
  /**
   * The engine host's restart policy (SUPERVISOR_DEFAULTS: 5 deaths in 60 s, backoff from 100 ms); the
   * browser shell keeps a warm spare host by default (`warmSpare: false` saves its ~45 MB).
   */
  hostSupervision?: Partial<SupervisionOptions>;
}

export const BROWSER_SHELL_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  maxMessageBytes: 8 * 1024 * 1024,
  maxJsonDepth: 256,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxBufferedBytesHard: 32 * 1024 * 1024,
  drainCheckMs: 100,
  engines: 'host' as 'host' | 'in-process',
};

/** Close code for a page that stopped reading while its answers piled up (RFC 6455 private range). */
export const SLOW_CLIENT_CLOSE_CODE = 4008;
/** Close code for a request frame nested deeper than `maxJsonDepth` (RFC 6455 policy violation). */
export const TOO_DEEP_CLOSE_CODE = 1008;

/** In-process view of the engines for tests: calls, injected events, the data dir. */
export interface ShellServices {
  dispatcher: { call(channel: string, input: unknown): Promise<Result<unknown>>; channels(): string[] };
  bus: { publish(event: WirelabEvent): void };
  dataDir: { path: string };
}

export interface BrowserShell {
  url: string;
  port: number;
  token: string;
  services: ShellServices;
  /** The engine host's process id (undefined with engines: 'in-process'). */
  enginePid(): number | undefined;
  /** The warm spare engine host's process id, once its code is loaded (`hostSupervision.warmSpare`). */
  spareEnginePid(): number | undefined;
  /**
   * Edge checks so far: events not sent to slow pages, the most unsent bytes one socket held, how often
   * the engine host was paused because every page was over its cap, request frames refused for
   * nesting too deep.
   */
  stats(): {
    eventsDroppedForSlowPages: number;
    maxBufferedBytesSeen: number;
    enginePauses: number;
    deepFramesRefused: number;
  };
  /**
   * Disconnects every page, closes every engine and starts them again on `dataDir` (its token and port
   * files written first), in the same engine host: a fresh app for the next e2e test without a new shell
   * and host process (about 0.7 s of CPU each). Not available with engines: 'in-process'.
   */
  reopen(dataDir: string): Promise<void>;
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

const PING = '{"kind":"ping"}';
const PONG = '{"kind":"pong"}';

function errorFrame(code: string, message: string): string {
  return JSON.stringify({ kind: 'error', error: { code, message } });
}

export async function startBrowserShell(
  opts: Partial<BrowserShellOptions> & Pick<BrowserShellOptions, 'dataDir' | 'rendererDir' | 'version'>,
): Promise<BrowserShell> {
  const options: BrowserShellOptions = { ...BROWSER_SHELL_DEFAULTS, ...opts };
  const token = options.token ?? loadOrCreateShellToken(options.dataDir);
  let enginePid: () => number | undefined = () => undefined;
  let reopenEngines: (dataDir: string) => Promise<void> = async () => {
    throw new EngineError('NOT_SUPPORTED', 'engines in this process cannot be reopened');
  };
  let sparePid: () => number | undefined = () => undefined;
  let services: ShellServices;
  let backend: ShellBackend;
  if (options.engines === 'in-process') {
    // Loaded only here: the UI-side process of the default setup never loads an engine.
    const { createServices } = await import('../main/services');
    const s = createServices({
      dataDir: options.dataDir,
      shell: 'browser',
      version: options.version,
      ...(options.chatDiscovery === undefined ? {} : { chatDiscovery: options.chatDiscovery }),
    });
    const { inProcessBackend } = await import('./backend');
    backend = inProcessBackend(s);
    services = s;
  } else {
    const host = await startEngineHost(
      {
        dataDir: options.dataDir,
        shell: 'browser',
        version: options.version,
        ...(options.chatDiscovery === undefined ? {} : { chatDiscovery: options.chatDiscovery }),
      },
      options.hostSupervision,
    );
    backend = host;
    enginePid = () => host.pid();
    sparePid = () => host.sparePid();
    reopenEngines = (dataDir) => host.reopen(dataDir);
    services = remoteServices(backend, resolve(options.dataDir));
  }

  let port = 0;
  const http: Server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong Host header');
      return;
    }
    // Lets a page whose socket keeps failing tell "the shell is down" (no answer) from "my token is
    // no longer valid" (401) without opening a socket.
    if ((req.url ?? '').split('?')[0] === '/auth') {
      const given = req.headers['x-wirelab-token'];
      const ok = tokenMatches(token, typeof given === 'string' ? given : undefined);
      res.writeHead(ok ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    serveStatic(
      options.rendererDir,
      req,
      res,
      `ws://127.0.0.1:${port} ws://localhost:${port} ws://[::1]:${port}`,
    );
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  const sockets = new Map<WebSocket, SlowReaderGate>();
  let deepFramesRefused = 0;

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostAllowed(req.headers.host, port)) return refuse(421, 'Misdirected Request');
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(401, 'Unauthorized');
    if (!originAllowed(req.headers.origin, port)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      guardDepth(ws, socket as Socket);
      onSocket(ws);
    });
  });

  /**
   * Puts a RequestDepthGuard between the TCP socket and ws's receiver: each chunk reaches ws only once
   * the guard has seen it, so a frame nested too deep is refused after its first chunk instead of after
   * ws has buffered, copied and unmasked all of it.
   */
  function guardDepth(ws: WebSocket, socket: Socket): void {
    const guard = new RequestDepthGuard(options.maxJsonDepth);
    const toWs = socket.listeners('data') as ((this: Socket, chunk: Buffer) => void)[];
    socket.removeAllListeners('data');
    socket.on('data', function (this: Socket, chunk: Buffer) {
      if (guard.feed(chunk)) {
        for (const l of toWs) l.call(this, chunk);
        return;
      }
      if (ws.readyState !== ws.OPEN) return; // refused already: the rest of the frame is discarded
      deepFramesRefused += 1;
      ws.send(errorFrame('LIMIT_EXCEEDED', `request frame nested deeper than ${options.maxJsonDepth}`));
      ws.close(TOO_DEEP_CLOSE_CODE, 'request frame nested too deep');
      // ws would wait for the page's close frame, which never reaches it now: end the TCP side after
      // the close frame and stop reading a peer that keeps sending.
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  }

  let droppedForSlowPages = 0;
  let maxBufferedSeen = 0;
  const offBatch = backend.onBatch(({ frame, counts }) => {
    for (const [ws, gate] of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      maxBufferedSeen = Math.max(maxBufferedSeen, ws.bufferedAmount);
      const markers = gate.admit(counts, ws.bufferedAmount);
      if (!markers) {
        for (const c of counts) droppedForSlowPages += c.count;
        if (ws.bufferedAmount > options.maxBufferedBytesHard)
          ws.close(SLOW_CLIENT_CLOSE_CODE, 'the page did not read its socket');
        continue;
      }
      if (markers.length) ws.send(wireEncodeBinary({ kind: 'events', events: markers }), { binary: true });
      ws.send(frame, { binary: true });
    }
  });
  // While every page is over its cap, batches from the engine host would only be dropped here: hold
  // their acknowledgements so the host runs out of credit and drops and counts at the source. The
  // shell then receives (and allocates) nothing until a page drains, closes or a new one connects —
  // checked on a short timer only while held.
  const pagesFull = (): boolean => {
    if (sockets.size === 0) return false;
    for (const ws of sockets.keys())
      if (ws.readyState === ws.OPEN && ws.bufferedAmount <= options.maxBufferedBytes) return false;
    return true;
  };
  let recheck: ReturnType<typeof setInterval> | undefined;
  let enginePauses = 0;
  const held = backend.holdBatches(() => {
    const full = pagesFull();
    if (full && !recheck) {
      enginePauses += 1;
      recheck = setInterval(() => {
        if (pagesFull()) return;
        clearInterval(recheck);
        recheck = undefined;
        held.release();
      }, options.drainCheckMs);
    }
    return full;
  });
  const linkFrame = (state: BackendState, restarted: boolean) =>
    JSON.stringify({ kind: 'link', engines: state, restarted });
  let backendState: BackendState = 'up';
  const offState = backend.onState((state, restarted) => {
    backendState = state;
    for (const ws of sockets.keys()) if (ws.readyState === ws.OPEN) ws.send(linkFrame(state, restarted));
  });

  function onSocket(ws: WebSocket): void {
    sockets.set(ws, new SlowReaderGate(options.maxBufferedBytes));
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => ws.terminate());
    if (backendState !== 'up') ws.send(linkFrame(backendState, false));
    ws.on('message', (raw: Buffer, isBinary) => {
      if (!isBinary && raw.length === PING.length && raw.toString() === PING) {
        ws.send(PONG);
        return;
      }
      // Nesting depth was checked on the way in (guardDepth), before ws buffered the frame.
      let frame: unknown;
      try {
        frame = isBinary ? undefined : wireParse(raw.toString());
      } catch {
        frame = undefined;
      }
      if (!isRequestFrame(frame)) {
        ws.send(errorFrame('INVALID_INPUT', 'malformed request frame'));
        return;
      }
      const id = frame.id;
      void backend.call(frame.channel, frame.input).then((result) => {
        // The result is wire JSON already: spliced in, never parsed and re-stringified here.
        if (ws.readyState === ws.OPEN) ws.send(`{"kind":"result","id":${id},"result":${result}}`);
      });
    });
  }

  async function bind(): Promise<number> {
    const remembered = options.port === 0 && options.reusePort ? rememberedPort(options.dataDir) : undefined;
    if (remembered) {
      try {
        return (await listen(http, remembered, options.host)).port;
      } catch (err) {
        if (!(err instanceof EngineError) || err.code !== 'ADDRESS_IN_USE') throw err;
      }
    }
    return (await listen(http, options.port, options.host)).port;
  }
  try {
    port = await bind();
  } catch (err) {
    await backend.close();
    throw err;
  }
  port = (http.address() as AddressInfo).port;
  if (options.reusePort) rememberPort(options.dataDir, port);
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    services,
    enginePid: () => enginePid(),
    spareEnginePid: () => sparePid(),
    stats: () => ({
      eventsDroppedForSlowPages: droppedForSlowPages,
      maxBufferedBytesSeen: maxBufferedSeen,
      enginePauses,
      deepFramesRefused,
    }),
    async reopen(dataDir) {
      if (closing) throw new EngineError('ENGINE_HOST_DOWN', 'the browser shell is closed');
      for (const ws of sockets.keys()) ws.terminate();
      saveShellToken(dataDir, token);
      rememberPort(dataDir, port);
      await reopenEngines(dataDir);
      services.dataDir.path = resolve(dataDir);
    },
    close() {
      closing ??= (async () => {
        offBatch();
        offState();
        if (recheck) clearInterval(recheck);
        for (const ws of sockets.keys()) ws.terminate();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        await backend.close();
      })();
      return closing;
    },
  };
}

/** The tests' in-process view over a backend in another process. */
function remoteServices(backend: ShellBackend, dataDir: string): ShellServices {
  let queued: WirelabEvent[] = [];
  return {
    dispatcher: {
      call: async (channel, input) => wireParse(await backend.call(channel, input)) as Result<unknown>,
      channels: () => backend.channels(),
    },
    bus: {
      // A burst of publishes (a test's load loop) crosses to the engine host as one message.
      publish(event) {
        if (queued.length === 0)
          setImmediate(() => {
            const events = queued;
            queued = [];
            backend.publish(events);
          });
        queued.push(event);
      },
    },
    dataDir: { path: dataDir },
  };
}
