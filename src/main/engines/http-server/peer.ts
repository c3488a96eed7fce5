// Where a request came from, and the transport-level moves that differ between HTTP/1.1 and HTTP/2.
import { constants as h2constants, Http2ServerRequest, type ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** Where a request came from and, on HTTP/2, the stream it is on (the socket is the session's, shared). */
export interface Peer {
  remoteAddress: string;
  remotePort: number;
  stream?: ServerHttp2Stream;
  /** HTTP/1.x only: the connection, closed after a 413 so the unread body is not parsed as a request. */
  socket?: Socket;
}

export function peerOf(req: IncomingMessage | Http2ServerRequest): Peer {
  return req instanceof Http2ServerRequest
    ? {
        remoteAddress: req.stream.session?.socket?.remoteAddress ?? '?',
        remotePort: req.stream.session?.socket?.remotePort ?? 0,
        stream: req.stream,
      }
    : {
        remoteAddress: req.socket.remoteAddress ?? '?',
        remotePort: req.socket.remotePort ?? 0,
        socket: req.socket,
      };
}

/**
 * Ends an HTTP/2 stream whose request body is still arriving, once the response is out. RST_STREAM with
 * NO_ERROR is how RFC 9113 §8.1 lets a server stop an upload without error; node does the same (after
 * 'finish', on the next turn) for streams whose body was never read, so the response's last DATA frame
 * goes first.
 */
export function closeStreamAfterResponse(stream: ServerHttp2Stream): void {
  const close = () => setImmediate(() => stream.close(h2constants.NGHTTP2_NO_ERROR));
  if (stream.writableFinished) close();
  else stream.once('finish', close);
}
