// How a stream-socket session (TCP or TLS, server or client) turns engine events into its rows and log.
// Both engines emit the same lifecycle (shared/contract/stream.ts), so the stores share this and keep
// only what their engine adds (TLS: handshake details in the wording, failed handshakes). It knows
// nothing of Pinia or of which engine an event came from.
import type {
  StreamClientEvent,
  StreamClientInfo,
  StreamServerClient,
  StreamServerEvent,
} from '../../shared/contract/stream';
import type { BoundedLog } from './bounded-log';
import type { LogEntry } from './log-entry';

export type StreamClientRow<C extends StreamServerClient> = C & { open: boolean; closedReason?: string };

export interface StreamServerView<C extends StreamServerClient> {
  clients: StreamClientRow<C>[];
  log: BoundedLog<LogEntry>;
  running: boolean;
}

export interface StreamClientView<I extends StreamClientInfo> {
  info: I;
  log: BoundedLog<LogEntry>;
  error?: string;
}

/** A server session's starting state, from what the engine reports when it starts (or is listed). */
export function newServerView<C extends StreamServerClient, I extends { clients: C[]; state: string }>(
  session: string,
  info: I,
  log: BoundedLog<LogEntry>,
): StreamServerView<C> & { session: string; info: I; version: number } {
  return {
    session,
    info,
    clients: info.clients.map((c) => ({ ...c, open: true })),
    log,
    version: 0,
    running: info.state === 'listening',
  };
}

/** Engine-specific wording; the defaults are what plain TCP says. */
export interface StreamWording<C, I> {
  connected?: (client: C) => string;
  state?: (state: string, info: I) => string;
}

export function applyServerEvent<E extends string, C extends StreamServerClient>(
  s: StreamServerView<C>,
  e: StreamServerEvent<E, C>,
  id: number,
  wording: StreamWording<C, never> = {},
): void {
  switch (e.type) {
    case 'server.clientConnected':
      s.clients.push({ ...e.client, open: true });
      s.log.push({
        id,
        at: e.at,
        dir: 'info',
        peer: e.client.clientId,
        text:
          wording.connected?.(e.client) ?? `connected from ${e.client.remoteAddress}:${e.client.remotePort}`,
      });
      return;
    case 'server.data':
    case 'server.sent': {
      const c = s.clients.find((x) => x.clientId === e.clientId);
      if (c) {
        if (e.type === 'server.data') c.bytesIn += e.bytes;
        else c.bytesOut += e.bytes;
      }
      s.log.push({
        id,
        at: e.at,
        dir: e.type === 'server.data' ? 'in' : 'out',
        peer: e.clientId,
        data: e.data,
        bytes: e.bytes,
        truncated: e.truncated,
        reads: e.reads,
      });
      return;
    }
    case 'server.clientClosed': {
      const c = s.clients.find((x) => x.clientId === e.clientId);
      if (c) {
        c.open = false;
        c.closedReason = e.reason;
      }
      s.log.push({
        id,
        at: e.at,
        dir: e.reason === 'error' || e.reason === 'limit' ? 'error' : 'info',
        peer: e.clientId,
        text: `closed (${e.reason})${e.message ? `: ${e.message}` : ''}`,
      });
      return;
    }
    case 'server.stopped':
      s.running = false;
      s.log.push({ id, at: e.at, dir: 'info', text: 'server stopped' });
      return;
    case 'server.error':
      s.log.push({ id, at: e.at, dir: 'error', text: `${e.code}: ${e.message}` });
      return;
  }
}

export function applyClientEvent<E extends string, I extends StreamClientInfo>(
  c: StreamClientView<I>,
  e: StreamClientEvent<E, I>,
  id: number,
  wording: StreamWording<never, I> = {},
): void {
  switch (e.type) {
    case 'client.state':
      c.info = e.info;
      if (e.code) c.error = `${e.code}: ${e.message ?? ''}`;
      c.log.push({
        id,
        at: e.at,
        dir: e.code ? 'error' : 'info',
        text: `${wording.state?.(e.state, e.info) ?? e.state}${e.code ? ` — ${e.code}: ${e.message}` : ''}`,
      });
      return;
    case 'client.data':
    case 'client.sent':
      if (e.type === 'client.data') c.info.bytesIn += e.bytes;
      else c.info.bytesOut += e.bytes;
      c.log.push({
        id,
        at: e.at,
        dir: e.type === 'client.data' ? 'in' : 'out',
        data: e.data,
        bytes: e.bytes,
        truncated: e.truncated,
        reads: e.reads,
      });
      return;
  }
}
