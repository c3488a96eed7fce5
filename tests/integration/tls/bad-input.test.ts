import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { TlsInspectInput, TlsRequestInput } from '../../../src/shared/contract/tls';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { codeOf, inspect, inspector, tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

async function rawServer(onConnection: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  });
  return port;
}

describe('TLS inspector: bad input gets a coded error, nothing crashes', () => {
  it('unresolvable host → HOST_NOT_FOUND', async () => {
    expect(await codeOf(inspect(inspector(), { target: 'no-such-host.invalid:443' }))).toBe('HOST_NOT_FOUND');
  });

  it('nothing listening → CONNECTION_REFUSED', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    expect(await codeOf(inspect(inspector(), { target: `127.0.0.1:${free}` }))).toBe('CONNECTION_REFUSED');
  });

  it('a plain HTTP server → NOT_TLS (inspect, scan and raw request)', async () => {
    const http = createHttpServer((_req, res) => res.end('plain'));
    const { port } = await listen(http, 0, '127.0.0.1');
    onTestFinished(() => closeServer(http));
    const i = inspector();
    expect(await codeOf(inspect(i, { target: `127.0.0.1:${port}` }))).toBe('NOT_TLS');
    expect(await codeOf(inspect(i, { target: `127.0.0.1:${port}`, scan: true }))).toBe('NOT_TLS');
    expect(await codeOf(i.request(TlsRequestInput.parse({ target: `127.0.0.1:${port}` })))).toBe('NOT_TLS');
  });

  it('a server that answers with random bytes → NOT_TLS', async () => {
    const port = await rawServer((s) =>
      s.once('data', () => s.end(Buffer.concat([Buffer.from([0x99, 0x42]), randomBytes(300)]))),
    );
    const i = inspector();
    expect(await codeOf(inspect(i, { target: `127.0.0.1:${port}` }))).toBe('NOT_TLS');
  });

  it('a server that stops in the middle of the handshake → TLS_HANDSHAKE_INCOMPLETE', async () => {
    // A ServerHello record header announcing 80 bytes, then 10 of them, then close.
    const port = await rawServer((s) =>
      s.once('data', () => s.end(Buffer.from([22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3, 1, 2, 3, 4]))),
    );
    expect(await codeOf(inspect(inspector(), { target: `127.0.0.1:${port}` }))).toBe(
      'TLS_HANDSHAKE_INCOMPLETE',
    );
  });

  it('a server that accepts and then says nothing → TIMEOUT within the budget', async () => {
    const port = await rawServer(() => undefined);
    expect(await codeOf(inspect(inspector(), { target: `127.0.0.1:${port}`, timeoutMs: 300 }))).toBe(
      'TIMEOUT',
    );
  });

  it('invalid CA files → INVALID_CA_FILE (missing, not PEM, broken PEM, too large) before any traffic', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const i = inspector();
    const garbage = pki.file('garbage.pem', 'this is not a certificate\n');
    const broken = pki.file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const huge = pki.file('huge.pem', '');
    writeFileSync(huge, Buffer.alloc(5 * 1024 * 1024, 0x41));
    for (const file of ['/nonexistent/ca.pem', garbage, broken, huge]) {
      expect(await codeOf(inspect(i, { target: `localhost:${port}`, caFiles: [file] }))).toBe(
        'INVALID_CA_FILE',
      );
    }
    expect(await codeOf(inspect(i, { target: `localhost:${port}`, caPem: 'nope' }))).toBe('INVALID_CA_FILE');
  });

  it('a client certificate without its key, or a key that does not parse → INVALID_CERTIFICATE', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const i = inspector();
    expect(await codeOf(inspect(i, { target: `localhost:${port}`, clientCertPem: pki.leaf.certPem }))).toBe(
      'INVALID_CERTIFICATE',
    );
    expect(
      await codeOf(
        inspect(i, { target: `localhost:${port}`, clientCertPem: pki.leaf.certPem, clientKeyPem: 'garbage' }),
      ),
    ).toBe('INVALID_CERTIFICATE');
  });

  it('schema: bad ports and targets are refused with codes', async () => {
    expect(TlsInspectInput.safeParse({ target: 'x', port: 70000 }).success).toBe(false);
    expect(await codeOf(inspect(inspector(), { target: 'localhost:99999' }))).toBe('PORT_OUT_OF_RANGE');
    expect(await codeOf(inspect(inspector(), { target: 'localhost:abc' }))).toBe('PORT_OUT_OF_RANGE');
  });

  it('cancel stops a running scan with CANCELLED', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const i = inspector();
    const running = inspect(i, {
      target: `localhost:${port}`,
      scan: true,
      session: 'c1',
      scanRatePerSecond: 20,
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(await i.cancel({ session: 'c1' })).toEqual({ cancelled: true });
    expect(await codeOf(running)).toBe('CANCELLED');
    expect(await i.cancel({ session: 'c1' })).toEqual({ cancelled: false });
  });
});
