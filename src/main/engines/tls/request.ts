// The raw request: connect (STARTTLS first when asked), send the user's bytes, keep the answer up to a
// cap, and say who ended it (server, timeout or the cap). The certificate is not judged here.
import { isIP } from 'node:net';
import type { z } from 'zod';
import { TLS_DEFAULTS, type TlsRequestInput, type TlsRequestOutput } from '../../../shared/contract/tls';
import { encodePayload } from '../../../shared/encoding';
import { EngineError } from '../common/errors';
import { connectTls, resolveHost } from './handshake';
import { STARTTLS_DEFAULT_PORTS } from './starttls';
import { parseTarget } from './target';

export interface RequestOptions {
  connectTimeoutMs: number;
  starttlsMaxReplyBytes: number;
}

export async function sendRequest(
  options: RequestOptions,
  input: z.output<typeof TlsRequestInput>,
): Promise<z.output<typeof TlsRequestOutput>> {
  const { host, port } = parseTarget(
    input.target,
    input.port,
    input.starttls ? STARTTLS_DEFAULT_PORTS[input.starttls] : TLS_DEFAULTS.port,
  );
  const hostHeader = isIP(host) === 6 ? `[${host}]` : host;
  const text = input.data ?? `GET / HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`;
  const encoded = encodePayload(text, input.encoding);
  if (!encoded.ok) throw new EngineError(encoded.error.code, encoded.error.message);
  const t0 = performance.now();
  const resolved = await resolveHost(host, options.connectTimeoutMs);
  const conn = await connectTls(
    {
      host,
      port,
      servername: input.noSni ? undefined : input.sni || (isIP(host) ? undefined : host),
      alpn: input.alpn,
      starttls: input.starttls,
      connectTimeoutMs: Math.min(options.connectTimeoutMs, input.timeoutMs),
      timeoutMs: input.timeoutMs,
      starttlsMaxReplyBytes: options.starttlsMaxReplyBytes,
    },
    resolved.address,
  );
  const socket = conn.socket;
  const protocol = socket.getProtocol() ?? 'unknown';
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let finished = false;
    const finish = (closedBy: 'server' | 'timeout' | 'limit') => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.destroy();
      resolve({
        sent: Buffer.from(encoded.bytes).toString('utf8'),
        response: Buffer.concat(chunks).toString('utf8'),
        responseBytes: size,
        truncated,
        protocol,
        durationMs: performance.now() - t0,
        closedBy,
      });
    };
    const onData = (chunk: Buffer) => {
      const room = input.maxResponseBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        finish('limit');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    const timer = setTimeout(() => finish('timeout'), input.timeoutMs);
    socket.on('data', onData);
    socket.once('end', () => finish('server'));
    socket.once('close', () => finish('server'));
    socket.write(encoded.bytes);
  });
}
