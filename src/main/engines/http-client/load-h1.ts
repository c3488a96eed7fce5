// One HTTP/1.1 keep-alive connection of a load run, on undici's Client: llhttp parses every response
// strictly (Content-Length digits only, CRLF after each chunk, no conflicting framing, bounded headers),
// and the handler keeps nothing but the status and a byte count, so the run measures the server, not the
// client. One request at a time per connection (no pipelining), as autocannon's default.
import type * as Undici from 'undici';
import { EngineError, toEngineError } from '../common/errors';

export interface H1ConnOptions {
  origin: string;
  maxHeaderBytes: number;
  tls?: {
    rejectUnauthorized: boolean;
    ca?: string[];
    cert?: string;
    key?: string;
    servername?: string;
  };
}

export interface H1Request {
  path: string;
  method: string;
  /** Flat [name, value, name, value, …], as sent. */
  headers: string[];
  body: Buffer | null;
}

/** undici's error codes as the app's. */
export function fromUndici(err: Error & { code?: string }, gotHeaders: boolean): EngineError {
  if (err instanceof EngineError) return err;
  const code = err.code ?? '';
  if (
    code.startsWith('HPE_') ||
    err.name === 'HTTPParserError' ||
    code === 'UND_ERR_INFO' ||
    // A body longer or shorter than its Content-Length (undici checks the length llhttp framed).
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  )
    return new EngineError('HTTP_PROTOCOL_ERROR', err.message, { cause: err });
  if (code === 'UND_ERR_HEADERS_OVERFLOW')
    return new EngineError('HTTP_PROTOCOL_ERROR', 'response header block too large', { cause: err });
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return new EngineError(
      gotHeaders ? 'RESPONSE_INCOMPLETE' : 'CONNECTION_RESET',
      'connection closed mid-response',
      { cause: err },
    );
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return new EngineError('TIMEOUT', err.message, { cause: err });
  return toEngineError(err);
}

export type H1Client = typeof Undici.Client;

/**
 * undici's Client, imported when a load run starts: a megabyte of code (a quarter of the engine host's)
 * that the host would otherwise compile at every start, and restart, for a feature most sessions never use.
 */
export async function loadH1Client(): Promise<H1Client> {
  // Node gives a CommonJS package's exports by name and as `default`; a bundle may give only `default`.
  const undici = (await import('undici')) as typeof Undici & { default?: typeof Undici };
  return undici.Client ?? undici.default?.Client;
}

export class H1Conn {
  private readonly client: Undici.Client;
  /** When the request in flight started (performance.now()), for the run's timeout sweep. */
  pendingSince: number | null = null;
  closed = false;
  bytes = 0;

  constructor(UndiciClient: H1Client, o: H1ConnOptions) {
    this.client = new UndiciClient(o.origin, {
      pipelining: 1,
      maxHeaderSize: o.maxHeaderBytes,
      // The run applies its own timeout (closing the connection); undici's defaults would cut slow servers.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: o.tls ? { ...o.tls, ALPNProtocols: ['http/1.1'] } : { noDelay: true },
    });
    this.client.on('disconnect', () => undefined);
  }

  send(r: H1Request): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pendingSince = performance.now();
      let status = 0;
      let gotHeaders = false;
      const done = (): void => {
        this.pendingSince = null;
      };
      this.client.dispatch({ path: r.path, method: r.method, headers: r.headers, body: r.body }, {
        onConnect: () => undefined,
        onHeaders: (statusCode: number, rawHeaders: Buffer[]) => {
          // 1xx informational responses are skipped by undici; this is the final one.
          status = statusCode;
          gotHeaders = true;
          for (const h of rawHeaders) this.bytes += h.length + 2;
          return true;
        },
        onData: (chunk: Buffer) => {
          this.bytes += chunk.length;
          return true;
        },
        onComplete: () => {
          done();
          resolve(status);
        },
        onError: (err: Error) => {
          done();
          if (this.client.destroyed) this.closed = true;
          reject(fromUndici(err, gotHeaders));
        },
      } as unknown as Parameters<Undici.Client['dispatch']>[1]);
    });
  }

  /** Closes the connection; a request in flight fails with `err`. */
  destroy(err?: Error): void {
    this.closed = true;
    void this.client.destroy(err ?? null).catch(() => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.client.destroy().catch(() => undefined);
  }
}
