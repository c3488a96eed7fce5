// One hand-built handshake = one probe: send a ClientHello, read the server's cleartext answer, classify
// it. Probes run inside the scan's HandshakeBudget, so every one is counted, rate-limited and bounded.
import { EngineError } from '../common/errors';
import type { HandshakeBudget } from './budget';
import { RawConnection, type RawTarget } from './raw-connection';
import {
  HandshakeType,
  buildClientHello,
  parseServerHello,
  type Alert,
  type HelloSpec,
  type ParsedServerHello,
  type ServerStream,
  WireFormatError,
} from './wire';

export interface ProbeContext {
  target: RawTarget;
  timeoutMs: number;
  budget: HandshakeBudget;
  signal?: AbortSignal;
}

export type HelloOutcome =
  | { kind: 'hello'; hello: ParsedServerHello; stream: ServerStream }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'closed' }
  | { kind: 'timeout' };

/** 'hello': stop at the ServerHello; 'done': read the whole first flight (to ServerHelloDone in TLS ≤ 1.2). */
export type ReadUntil = 'hello' | 'done';

function flightComplete(s: ServerStream, until: ReadUntil): boolean {
  if (s.alerts.length > 0) return true;
  const sh = s.message(HandshakeType.serverHello);
  if (!sh) return false;
  if (until === 'hello') return true;
  if (s.message(HandshakeType.serverHelloDone)) return true;
  // TLS 1.3 and HelloRetryRequest: everything after the ServerHello is encrypted or absent.
  try {
    const hello = parseServerHello(sh.body);
    return hello.helloRetryRequest || hello.negotiatedVersion === 0x0304;
  } catch {
    return true;
  }
}

export function classify(stream: ServerStream, waited: string): HelloOutcome {
  const sh = stream.message(HandshakeType.serverHello);
  if (sh) {
    try {
      return { kind: 'hello', hello: parseServerHello(sh.body), stream };
    } catch (err) {
      if (err instanceof WireFormatError)
        throw new EngineError('NOT_TLS', `malformed ServerHello: ${err.message}`);
      throw err;
    }
  }
  const alert = stream.alerts[0];
  if (alert) return { kind: 'alert', alert };
  return waited === 'timeout' ? { kind: 'timeout' } : { kind: 'closed' };
}

/**
 * Sends one ClientHello and hands the classified answer (and the still-open connection) to `then`.
 * A reply that is not TLS at all fails the probe with NOT_TLS; a silent close is an answer ("closed").
 */
export async function withHello<T>(
  ctx: ProbeContext,
  /** A hello to build, or the bytes of one (a captured client's, for the client simulation). */
  spec: HelloSpec | Uint8Array,
  until: ReadUntil,
  then: (outcome: HelloOutcome, conn: RawConnection) => Promise<T> | T,
): Promise<T> {
  return ctx.budget.run(async () => {
    const conn = await RawConnection.open(ctx.target, ctx.signal);
    try {
      conn.send(spec instanceof Uint8Array ? spec : buildClientHello(spec));
      const waited = await conn.wait((s) => flightComplete(s, until), ctx.timeoutMs);
      if (waited === 'not-tls')
        throw new EngineError(
          'NOT_TLS',
          `${ctx.target.host}:${ctx.target.port} answered with bytes that are not TLS`,
        );
      if (waited === 'overflow')
        throw new EngineError(
          'LIMIT_EXCEEDED',
          `server sent more than ${ctx.target.maxBytes} bytes in its first flight`,
        );
      return await then(classify(conn.stream, waited), conn);
    } finally {
      conn.close();
    }
  });
}

export function helloProbe(
  ctx: ProbeContext,
  spec: HelloSpec,
  until: ReadUntil = 'hello',
): Promise<HelloOutcome> {
  return withHello(ctx, spec, until, (o) => o);
}
