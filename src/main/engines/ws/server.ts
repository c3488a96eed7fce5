// A standalone WebSocket server (`wirelab ws serve`): echo answers each message to its sender with
// the same type, broadcast sends it to every connected client (the sender included, so a lone
// client sees its own messages), silent only counts. maxPayload bounds a message before it is buffered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import type { WsEvent, WsServerInfo, WsServerMode } from '../../../shared/contract/ws';
import { TypedEmitter } from '../common/emitter';
import { toEngineError } from '../common/errors';

export interface WsServerOptions {
  host: string;
  port: number;
  mode: WsServerMode;
  maxClients: number;
  maxMessageBytes: number;
}

export class WsEchoServer extends TypedEmitter<WsEvent> {
  private readonly http = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('This is a WebSocket endpoint.\n');
  });
  private readonly wss: WebSocketServer;
  private state: 'listening' | 'stopped' = 'stopped';
  private startedAt = 0;
  private messages = 0;
  private boundPort = 0;
  private closing: Promise<number> | undefined;

  constructor(
    readonly session: string,
    private readonly options: WsServerOptions,
  ) {
    super();
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      clientTracking: true,
    });
    this.http.on('upgrade', (req, socket, head) => {
      if (this.wss.clients.size >= this.options.maxClients) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  async start(): Promise<WsServerInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(toEngineError(err, `listen ${this.options.host}:${this.options.port}`));
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.http.address() as AddressInfo).port;
    this.state = 'listening';
    this.startedAt = Date.now();
    return this.info();
  }

  /** Closes every client with 1001 (going away) and stops listening; resolves with how many were open. */
  stop(): Promise<number> {
    this.closing ??= (async () => {
      const clients = [...this.wss.clients];
      for (const c of clients) c.close(1001, 'server stopped');
      // A client that ignores the close frame is not waited for.
      const timer = setTimeout(() => {
        for (const c of clients) c.terminate();
      }, 1000);
      timer.unref();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      this.http.closeAllConnections();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      clearTimeout(timer);
      this.state = 'stopped';
      return clients.length;
    })();
    return this.closing;
  }

  info(): WsServerInfo {
    return {
      session: this.session,
      host: this.options.host,
      port: this.boundPort,
      mode: this.options.mode,
      state: this.state,
      startedAt: this.startedAt,
      clients: this.wss.clients.size,
      messages: this.messages,
    };
  }

  private accept(ws: WebSocket): void {
    this.changed();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.messages += 1;
      if (this.options.mode === 'echo') ws.send(data, { binary: isBinary });
      else if (this.options.mode === 'broadcast') {
        for (const c of this.wss.clients)
          if (c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
      }
    });
    // A client's protocol error (oversized frame, bad UTF-8) closes that client only; ws already sent
    // the matching close code.
    ws.on('error', () => undefined);
    ws.on('close', () => this.changed());
  }

  private changed(): void {
    this.emit({
      engine: 'ws',
      type: 'server.clients',
      session: this.session,
      at: Date.now(),
      clients: this.wss.clients.size,
      messages: this.messages,
    });
  }
}
