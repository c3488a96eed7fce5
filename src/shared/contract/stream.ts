// Event shapes shared by every stream-socket engine (TCP, TLS sockets): the same server and client
// lifecycle under each engine's own tag, so the renderer and the CLI read them alike.

/**
 * Bytes as carried in events: a copy of at most maxEventDataBytes, plus the true length. IPC clones
 * Uint8Array natively; the browser shell's socket sends it in binary frames (see wire-json).
 */
export interface WireBytes {
  data: Uint8Array;
  bytes: number;
  truncated: boolean;
  /** Stream engines merge reads within a short window (TCP keeps no boundaries): how many this holds. */
  reads?: number;
}

/** Defaults shared by the stream engines (docs/tcp.md). */
export const STREAM_DEFAULTS = {
  /** Reads (or writes) of one peer within this many ms become one data event. 0 = one event per read. */
  coalesceMs: 15,
} as const;

export type StreamState = 'connecting' | 'open' | 'closed';

export type CloseReason = 'remote' | 'kicked' | 'server-stopped' | 'error' | 'limit';

/** A client as a stream server lists it. */
export interface StreamServerClient {
  clientId: string;
  remoteAddress: string;
  remotePort: number;
  connectedAt: number;
  bytesIn: number;
  bytesOut: number;
}

/** A client session as it describes itself. */
export interface StreamClientInfo {
  session: string;
  host: string;
  port: number;
  state: StreamState;
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  bytesIn: number;
  bytesOut: number;
  openedAt: number;
}

interface Base<E extends string> {
  engine: E;
  session: string;
  at: number;
}

export type StreamServerEvent<E extends string, C extends StreamServerClient> =
  | (Base<E> & { type: 'server.clientConnected'; client: C })
  | (Base<E> & { type: 'server.data'; clientId: string } & WireBytes)
  | (Base<E> & { type: 'server.sent'; clientId: string } & WireBytes)
  | (Base<E> & {
      type: 'server.clientClosed';
      clientId: string;
      reason: CloseReason;
      code?: string;
      message?: string;
    })
  | (Base<E> & { type: 'server.stopped' })
  | (Base<E> & { type: 'server.error'; code: string; message: string });

export type StreamClientEvent<E extends string, I extends StreamClientInfo> =
  | (Base<E> & { type: 'client.state'; state: StreamState; code?: string; message?: string; info: I })
  | (Base<E> & { type: 'client.data' } & WireBytes)
  | (Base<E> & { type: 'client.sent' } & WireBytes);
