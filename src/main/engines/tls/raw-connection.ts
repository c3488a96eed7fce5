// One TCP connection for a hand-built handshake: connect (bounded), optional STARTTLS dialogue, then
// bytes in/out through ServerStream. Every wait is bounded in time and the stream in bytes. It decides
// nothing about what a reply means; probes.ts does.
import { connect, type Socket } from 'node:net';
import { EngineError, toEngineError } from '../common/errors';
import { ServerStream } from './wire';
import { startTls, type StartTlsProtocol } from './starttls';

export interface RawTarget {
  host: string;
  port: number;
  starttls?: StartTlsProtocol;
  connectTimeoutMs: number;
  maxBytes: number;
  starttlsMaxReplyBytes: number;
}

export type WaitOutcome = 'done' | 'closed' | 'timeout' | 'overflow' | 'not-tls';

export class RawConnection {
  readonly stream: ServerStream;
  private closed = false;
  private waiter: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    maxBytes: number,
  ) {
    this.stream = new ServerStream(maxBytes);
    socket.on('data', (chunk: Buffer) => {
      this.stream.push(chunk);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      // 'close' follows; a reset mid-probe is an answer ("closed"), not a failure of the scan
    });
  }

  static async open(target: RawTarget, signal?: AbortSignal): Promise<RawConnection> {
    return new RawConnection(await openRawSocket(target, signal), target.maxBytes);
  }

  send(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves when `until` holds, the server closes, the time is up, or the reply is not TLS / too big. */
  wait(until: (s: ServerStream) => boolean, timeoutMs: number): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      const check = (): WaitOutcome | undefined => {
        if (this.stream.state === 'not-tls') return 'not-tls';
        if (this.stream.overflow) return 'overflow';
        if (until(this.stream)) return 'done';
        if (this.closed) return 'closed';
        return undefined;
      };
      const first = check();
      if (first) return resolve(first);
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      const finish = (o: WaitOutcome) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(o);
      };
      this.waiter = () => {
        const o = check();
        if (o) finish(o);
      };
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/**
 * A TCP connection to `target`, past its STARTTLS dialogue when it has one: the socket is where the
 * first TLS byte goes. Shared by the TLS 1.0–1.2 probes and the TLS 1.3 client, so both reach a
 * STARTTLS server the same way; a failed dialogue closes the socket.
 */
export async function openRawSocket(target: RawTarget, signal?: AbortSignal): Promise<Socket> {
  const socket = await connectSocket(target.host, target.port, target.connectTimeoutMs, signal);
  if (!target.starttls) return socket;
  try {
    await startTls(socket, target.starttls, {
      timeoutMs: target.connectTimeoutMs,
      maxReplyBytes: target.starttlsMaxReplyBytes,
      clientName: 'wirelab.invalid',
    });
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return socket;
}

export function connectSocket(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EngineError('CANCELLED', 'cancelled'));
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(toEngineError(err, `connect ${host}:${port}`));
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(new EngineError('CANCELLED', 'cancelled'));
    };
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new EngineError('TIMEOUT', `connect ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
