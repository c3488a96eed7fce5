// Connection-level limits the parsers do not enforce by themselves: an HTTP/2 session's first-request and
// idle timeouts, and the answer to an HTTP/1 parser error (400/408/431) before the socket is closed.
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { HttpServerLimits } from '../../../shared/contract/http-server';

export interface LimitNotice {
  code: string;
  message: string;
  remoteAddress?: string;
}

/**
 * HTTP/2 has no parser-level headers timeout: a session must bring its first complete request within
 * headersTimeoutMs, and a session with no open stream is ended (GOAWAY) after keepAliveTimeoutMs — which
 * also ends a header block trickled on an otherwise idle session, since node creates a stream only once
 * its headers are complete. Returns nothing; the session's 'close' clears the timer.
 */
export function guardH2Session(
  session: ServerHttp2Session,
  limits: HttpServerLimits,
  onLimit: (n: LimitNotice) => void,
): void {
  const remoteAddress = session.socket?.remoteAddress;
  let open = 0;
  let served = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const first = served === 0;
    timer = setTimeout(
      () => {
        if (first)
          onLimit({
            code: 'TIMEOUT',
            message: `HTTP/2 session sent no complete request within headersTimeoutMs (${limits.headersTimeoutMs} ms); closed`,
            remoteAddress,
          });
        // destroy(), not close(): both send GOAWAY, but a graceful close only half-closes the socket and
        // then waits for the peer — which a client holding the connection open never does.
        session.destroy();
      },
      first ? limits.headersTimeoutMs : limits.keepAliveTimeoutMs,
    );
    timer.unref();
  };
  arm();
  session.on('stream', (stream: ServerHttp2Stream) => {
    served += 1;
    open += 1;
    clearTimeout(timer);
    stream.once('close', () => {
      open -= 1;
      if (open === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
  // Session errors (a peer's protocol error, a reset socket) end only that session; the server emits
  // 'sessionError' for them, which needs no listener.
}

/** Answers an HTTP/1 parser error (when nothing was sent on the socket yet) and closes the connection. */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  limits: HttpServerLimits,
  onLimit: (n: LimitNotice) => void,
): void {
  const code = err.code ?? '';
  let status = 400;
  let errCode = 'HTTP_PROTOCOL_ERROR';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    // Nothing can be answered on a socket without a TLS session.
    onLimit({
      code: 'TIMEOUT',
      message: `TLS handshake not complete within headersTimeoutMs (${limits.headersTimeoutMs} ms)`,
      remoteAddress: socket.remoteAddress,
    });
    socket.destroy();
    return;
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    errCode = 'TIMEOUT';
  } else if (code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    errCode = 'LIMIT_EXCEEDED';
  } else if (code === 'ECONNRESET' || code === 'EPIPE') {
    socket.destroy();
    return;
  }
  onLimit({ code: errCode, message: `${status}: ${err.message}`, remoteAddress: socket.remoteAddress });
  if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    const reason =
      status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroySoon();
}
