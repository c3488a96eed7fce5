// WebSocket routes of the mock server. The server hands every HTTP/1.1 Upgrade request here (only while
// it has a `ws` route, so without one an upgrade stays an ordinary request); a matching route completes
// the handshake through `ws` and then echoes, broadcasts to the route's clients, or answers by its rules.
// A connection is reported to the inspector once, when it closes, with its message counts. Sending honours
// backpressure: a client whose unsent bytes pass `wsSendBufferBytes` is not read from until they drain, and
// broadcasts to such a client are dropped rather than queued.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import {
  HTTP_STREAM_DEFAULTS,
  type HttpRoute,
  type InspectedRequest,
  type WsReplyRule,
  type WsRouteBehaviour,
} from '../../../shared/contract/http-server';
import { headerPairs } from './record';
import { findRoute, type CompiledRoute } from './router';
import { renderTemplate } from './template';

const DEFAULT_BEHAVIOUR: WsRouteBehaviour = { mode: 'echo', greeting: [], rules: [], fallback: 'ignore' };
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  503: 'Service Unavailable',
};

export interface WsRoutesContext {
  readonly compiled: readonly CompiledRoute[];
  readonly maxMessageBytes: number;
  nextRequestId(): string;
  report(request: InspectedRequest): void;
}

interface Connection {
  ws: WebSocket;
  route: HttpRoute;
  room: Set<Connection>;
  params: Record<string, string>;
  req: IncomingMessage;
  received: number;
  sent: number;
  bytesOut: number;
  timers: Set<NodeJS.Timeout>;
  code?: string;
  message?: string;
}

export function matchesRule(rule: WsReplyRule, text: string): boolean {
  switch (rule.match) {
    case 'any':
      return true;
    case 'equals':
      return text === rule.pattern;
    case 'contains':
      return text.includes(rule.pattern);
    case 'regex':
      return new RegExp(rule.pattern).test(text.slice(0, HTTP_STREAM_DEFAULTS.maxWsRegexInputChars));
  }
}

export class WsRoutes {
  private readonly wss: WebSocketServer;
  /** Clients per route (keyed by route id, or method and path), the audience of a broadcast. */
  private readonly rooms = new Map<string, Set<Connection>>();

  constructor(private readonly ctx: WsRoutesContext) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.maxMessageBytes, clientTracking: true });
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const startedAt = Date.now();
    // Read now: a destroyed socket no longer knows its peer.
    const peer = { address: req.socket.remoteAddress ?? '?', port: req.socket.remotePort ?? 0 };
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const found = findRoute(
      this.ctx.compiled.filter((c) => c.route.kind === 'ws'),
      (req.method ?? 'GET').toUpperCase(),
      rawPath,
    );
    const isWebSocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!found || !isWebSocket) {
      const status = isWebSocket ? 404 : 400;
      const text = isWebSocket
        ? `No WebSocket route at ${rawPath}\n`
        : `Only WebSocket upgrades are served\n`;
      this.refuse(socket, status, text);
      this.ctx.report(
        this.entry(req, peer, startedAt, { status, handler: 'not-found', responseBytes: text.length }),
      );
      return;
    }
    socket.on('error', () => undefined);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, peer, found, startedAt));
  }

  /** Closes every client with 1001 (going away); those that do not answer are cut off after `graceMs`. */
  async closeAll(graceMs = 500): Promise<void> {
    const clients = [...this.wss.clients];
    for (const c of clients) c.close(1001, 'server stopped');
    if (clients.length) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        let open = clients.length;
        for (const c of clients)
          c.once('close', () => {
            open -= 1;
            if (open === 0) {
              clearTimeout(t);
              resolve();
            }
          });
      });
      for (const c of clients) c.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private refuse(socket: Duplex, status: number, text: string): void {
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nConnection: close\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }

  private accept(
    ws: WebSocket,
    req: IncomingMessage,
    peer: { address: string; port: number },
    found: { route: HttpRoute; params: Record<string, string> },
    startedAt: number,
  ): void {
    const key = found.route.id ?? `${found.route.method} ${found.route.path}`;
    let room = this.rooms.get(key);
    if (!room) this.rooms.set(key, (room = new Set()));
    const conn: Connection = {
      ws,
      route: found.route,
      room,
      params: found.params,
      req,
      received: 0,
      sent: 0,
      bytesOut: 0,
      timers: new Set(),
    };
    room.add(conn);
    const behaviour = found.route.ws ?? DEFAULT_BEHAVIOUR;
    for (const g of behaviour.greeting) this.send(conn, conn, Buffer.from(this.render(conn, g, '')), false);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      conn.received += 1;
      this.onMessage(conn, behaviour, toBuffer(data), isBinary);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws has already sent the matching close code (1009 for an oversized message, 1007 bad UTF-8).
      conn.code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'LIMIT_EXCEEDED' : 'WS_PROTOCOL_ERROR';
      conn.message = err.message;
    });
    ws.on('close', (code: number) => {
      for (const t of conn.timers) clearTimeout(t);
      conn.timers.clear();
      room.delete(conn);
      if (room.size === 0 && this.rooms.get(key) === room) this.rooms.delete(key);
      if (code === 1006 && !conn.code) {
        conn.code = 'CONNECTION_RESET';
        conn.message = 'the connection ended without a close frame';
      }
      this.ctx.report(
        this.entry(req, peer, startedAt, {
          status: 101,
          handler: 'ws',
          routeId: found.route.id,
          responseBytes: conn.bytesOut,
          messages: { in: conn.received, out: conn.sent },
          code: conn.code,
          message: conn.message,
        }),
      );
    });
  }

  private onMessage(conn: Connection, b: WsRouteBehaviour, data: Buffer, isBinary: boolean): void {
    if (b.mode === 'echo') return this.send(conn, conn, data, isBinary);
    if (b.mode === 'broadcast') {
      for (const c of conn.room) this.send(conn, c, data, isBinary);
      return;
    }
    const text = data.toString('utf8');
    const rule = b.rules.find((r) => matchesRule(r, text));
    if (!rule) {
      if (b.fallback === 'echo') this.send(conn, conn, data, isBinary);
      return;
    }
    const out = Buffer.from(this.render(conn, rule.reply, text));
    const go = (): void => {
      if (conn.ws.readyState !== WebSocket.OPEN) return;
      if (rule.to === 'all') for (const c of conn.room) this.send(conn, c, out, false);
      else this.send(conn, conn, out, false);
      if (rule.closeCode !== undefined) conn.ws.close(rule.closeCode);
    };
    if (rule.delayMs === 0) return go();
    if (conn.timers.size >= HTTP_STREAM_DEFAULTS.maxWsPendingReplies) {
      conn.code = 'LIMIT_EXCEEDED';
      conn.message = `more than ${HTTP_STREAM_DEFAULTS.maxWsPendingReplies} delayed replies pending`;
      conn.ws.close(1013, 'too many pending replies');
      return;
    }
    const t = setTimeout(() => {
      conn.timers.delete(t);
      go();
    }, rule.delayMs);
    conn.timers.add(t);
  }

  /**
   * Sends one message from `from`'s handling to `to`. The sender's own replies pause its reading while
   * they cannot drain; a message for another client that is not draining is dropped.
   */
  private send(from: Connection, to: Connection, data: Buffer, binary: boolean): void {
    const ws = to.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    const limit = HTTP_STREAM_DEFAULTS.wsSendBufferBytes;
    if (to !== from && ws.bufferedAmount > limit) return;
    to.sent += 1;
    to.bytesOut += data.length;
    ws.send(data, { binary }, () => {
      if (from.ws.isPaused && from.ws.bufferedAmount <= limit / 2) from.ws.resume();
    });
    if (to === from && ws.bufferedAmount > limit && !ws.isPaused) ws.pause();
  }

  private render(conn: Connection, template: string, body: string): string {
    if (!template.includes('{{')) return template;
    const url = conn.req.url ?? '/';
    const qi = url.indexOf('?');
    return renderTemplate(template, {
      params: conn.params,
      query: new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1)),
      headers: conn.req.headers,
      method: 'GET',
      path: qi < 0 ? url : url.slice(0, qi),
      body,
      seq: conn.received,
    });
  }

  private entry(
    req: IncomingMessage,
    peer: { address: string; port: number },
    startedAt: number,
    r: Pick<InspectedRequest, 'status' | 'handler' | 'responseBytes'> &
      Partial<Pick<InspectedRequest, 'routeId' | 'messages' | 'code' | 'message'>>,
  ): InspectedRequest {
    const out: InspectedRequest = {
      id: this.ctx.nextRequestId(),
      method: (req.method ?? 'GET').toUpperCase(),
      url: req.url ?? '/',
      httpVersion: req.httpVersion,
      headers: headerPairs(req.rawHeaders),
      remoteAddress: peer.address,
      remotePort: peer.port,
      body: new Uint8Array(0),
      bodyBytes: 0,
      bodyTruncated: false,
      status: r.status,
      handler: r.handler,
      responseBytes: r.responseBytes,
      startedAt,
      durationMs: Date.now() - startedAt,
    };
    if (r.routeId !== undefined) out.routeId = r.routeId;
    if (r.messages) out.messages = r.messages;
    if (r.code) {
      out.code = r.code;
      out.message = r.message;
    }
    return out;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
