// The load run's HTTP/1.1 parsing is llhttp's (undici): responses the former hand-written parser let
// through — a Content-Length that only Number() reads, chunk data not followed by CRLF, two different
// Content-Lengths — are HTTP_PROTOCOL_ERROR, while a well-formed chunked answer counts as 200.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LoadRun } from '../../../src/main/engines/http-client/load';
import { HttpRequestSpec } from '../../../src/shared/contract/http-client';

/** A raw TCP server that answers every request on a connection with `response`. */
async function rawServer(response: string): Promise<string> {
  const srv = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => s.write(response));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
}

async function run(url: string) {
  const r = new LoadRun('t', HttpRequestSpec.parse({ url, options: { proxy: 'none', timeoutMs: 5000 } }), {
    requests: 4,
    concurrency: 1,
    maxDurationMs: 20_000,
  });
  onTestFinished(async () => {
    await r.stop();
  });
  return r.start();
}

describe('load run parsing (llhttp via undici)', () => {
  it('refuses malformed framing that a lenient parser accepted', async () => {
    const cases = [
      'HTTP/1.1 200 OK\r\nContent-Length: 1e1\r\n\r\n0123456789',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    ];
    for (const response of cases) {
      const s = await run(await rawServer(response));
      expect(s.completed, response).toBe(0);
      expect(s.errorCodes, response).toMatchObject({ HTTP_PROTOCOL_ERROR: 4 });
    }
  });

  it('counts a well-formed chunked keep-alive answer', async () => {
    const s = await run(
      await rawServer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
    );
    expect(s).toMatchObject({ completed: 4, errors: 0, statusCounts: { '200': 4 } });
  });
});
