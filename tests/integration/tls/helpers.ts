// Shared by the TLS inspector tests: real node:tls servers on 127.0.0.1 port 0 with cleanup, and the
// inspector with parsed defaults.
import { createServer, type TlsOptions, type TLSSocket } from 'node:tls';
import { onTestFinished } from 'vitest';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { TlsInspector } from '../../../src/main/engines/tls/inspector';
import { TlsInspectInput, type TlsReport } from '../../../src/shared/contract/tls';

export async function tlsServer(options: TlsOptions, onSecure?: (s: TLSSocket) => void): Promise<number> {
  const server = createServer(options, (s) => {
    s.on('error', () => undefined);
    if (onSecure) onSecure(s);
    else s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  });
  server.on('tlsClientError', () => undefined);
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => closeServer(server));
  return port;
}

export function inspector(): TlsInspector {
  const i = new TlsInspector();
  onTestFinished(() => i.close());
  return i;
}

export function inspect(
  i: TlsInspector,
  input: Parameters<typeof TlsInspectInput.parse>[0],
): Promise<TlsReport> {
  return i.inspect(
    TlsInspectInput.parse({
      resumption: false,
      http: 'never',
      useSystemStore: false,
      noHistory: true,
      ...(input as object),
    }),
  );
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

export const problemCodes = (r: TlsReport) => r.validation.problems.map((p) => p.code).sort();
