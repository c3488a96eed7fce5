import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsSockEvent } from '../../../src/shared/contract/tlssock';
import { tlssockContract } from '../../../src/shared/contract/tlssock';
import { TlsSocketService } from '../../../src/main/engines/tls-socket/service';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import { rawConnect, waitFor } from '../../helpers/net';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wirelab-tls-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function service(): { svc: TlsSocketService; events: TlsSockEvent[]; dir: string } {
  const dir = tempDir();
  const svc = new TlsSocketService(dir);
  const events: TlsSockEvent[] = [];
  svc.on((e) => events.push(e));
  cleanups.push(() => svc.close());
  return { svc, events, dir };
}

const text = (e: { data: Uint8Array }) => Buffer.from(e.data).toString('utf8');
const base = {
  host: '127.0.0.1',
  certificate: { source: 'app' as const },
  welcomeEncoding: 'text' as const,
  echo: false,
  autoReplies: [],
  minVersion: 'TLSv1.2' as const,
  maxClients: 100,
};
const cbase = { host: '127.0.0.1', timeoutMs: 5000, verify: false, minVersion: 'TLSv1.2' as const };

describe('TLS sockets', () => {
  it('server with the app certificate; client with verification off sees version, cipher and why it is untrusted', async () => {
    const { svc, events } = service();
    const srv = await svc.serverStart({ ...base, port: 0, welcome: 'Welcome to the server!' });
    expect(srv.certificate.source).toBe('app');
    expect(srv.certificate.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const cli = await svc.clientConnect({ ...cbase, port: srv.port });
    expect(cli.state).toBe('open');
    expect(cli.tls?.protocol).toBe('TLSv1.3');
    expect(cli.tls?.cipher?.name).toMatch(/^TLS_(AES|CHACHA)/);
    expect(cli.authorized).toBe(false);
    expect(cli.authorizationError).toMatch(/SELF_SIGNED/);
    expect(cli.peerCertificate?.fingerprint256).toBe(srv.certificate.fingerprint256);
    expect(cli.handshakeMs).toBeGreaterThan(0);
    await waitFor(() => events.find((e) => e.type === 'client.data' && text(e) === 'Welcome to the server!'));
    svc.clientSend({ session: cli.session, data: 'Hello, TLS Server!', encoding: 'text' });
    const got = await waitFor(() =>
      events.find((e): e is Extract<TlsSockEvent, { type: 'server.data' }> => e.type === 'server.data'),
    );
    expect(text(got)).toBe('Hello, TLS Server!');
    const connected = events.find(
      (e): e is Extract<TlsSockEvent, { type: 'server.clientConnected' }> =>
        e.type === 'server.clientConnected',
    );
    expect(connected?.client.tls.protocol).toBe('TLSv1.3');
    svc.serverSend({
      session: srv.session,
      clientId: got.clientId,
      data: 'Message received',
      encoding: 'text',
    });
    await waitFor(() => events.find((e) => e.type === 'client.data' && text(e) === 'Message received'));
  });

  it('the app certificate is made once per data directory and reused by the next server', async () => {
    const { svc } = service();
    const a = await svc.serverStart({ ...base, port: 0 });
    const b = await svc.serverStart({ ...base, port: 0 });
    expect(a.certificate.fingerprint256).toBe(b.certificate.fingerprint256);
    expect((await svc.appCertificate()).fingerprint256).toBe(a.certificate.fingerprint256);
  });

  it('verification on: refused without a CA (TLS_ERROR), accepted with the app certificate as CA', async () => {
    const { svc } = service();
    const srv = await svc.serverStart({ ...base, port: 0 });
    await expect(svc.clientConnect({ ...cbase, port: srv.port, verify: true })).rejects.toMatchObject({
      code: 'TLS_ERROR',
    });
    const { certPem } = await svc.appCertificate();
    const ok = await svc.clientConnect({ ...cbase, port: srv.port, verify: true, ca: certPem });
    expect(ok.authorized).toBe(true);
    expect(ok.authorizationError).toBeUndefined();
  });

  it('SNI: the server sees the name the client sends; a name not in the certificate fails verification', async () => {
    const { svc, events } = service();
    const srv = await svc.serverStart({ ...base, port: 0 });
    const { certPem } = await svc.appCertificate();
    const c = await svc.clientConnect({
      ...cbase,
      port: srv.port,
      verify: true,
      ca: certPem,
      servername: 'localhost',
    });
    expect(c.tls?.servername).toBe('localhost');
    const conn = await waitFor(() =>
      events.find(
        (e): e is Extract<TlsSockEvent, { type: 'server.clientConnected' }> =>
          e.type === 'server.clientConnected',
      ),
    );
    expect(conn.client.tls.servername).toBe('localhost');
    await expect(
      svc.clientConnect({
        ...cbase,
        host: 'localhost',
        port: srv.port,
        verify: true,
        ca: certPem,
        servername: 'wrong.example',
      }),
    ).rejects.toMatchObject({
      code: 'TLS_ERROR',
      message: expect.stringMatching(/wrong\.example|ALTNAME/),
    });
  });

  it('ALPN is negotiated and reported on both sides; TLS 1.3 can be required', async () => {
    const { svc, events } = service();
    const srv = await svc.serverStart({ ...base, port: 0, alpn: ['wirelab/1', 'h2'], minVersion: 'TLSv1.3' });
    const c = await svc.clientConnect({ ...cbase, port: srv.port, alpn: ['h2'] });
    expect(c.tls?.alpn).toBe('h2');
    const conn = await waitFor(() =>
      events.find(
        (e): e is Extract<TlsSockEvent, { type: 'server.clientConnected' }> =>
          e.type === 'server.clientConnected',
      ),
    );
    expect(conn.client.tls.alpn).toBe('h2');
    expect(srv.minVersion).toBe('TLSv1.3');
  });

  it('a user PEM pair serves; a mismatched or broken pair is INVALID_CERTIFICATE before listening', async () => {
    const { svc } = service();
    const a = await loadOrCreateAppCertificate(tempDir(), { commonName: 'user-a' });
    const b = await loadOrCreateAppCertificate(tempDir(), { commonName: 'user-b' });
    const srv = await svc.serverStart({
      ...base,
      port: 0,
      certificate: { source: 'pem', certPem: a.certPem, keyPem: a.keyPem },
    });
    expect(srv.certificate).toMatchObject({ source: 'pem', fingerprint256: a.fingerprint256 });
    const c = await svc.clientConnect({ ...cbase, port: srv.port });
    expect(c.peerCertificate?.subject).toContain('user-a');
    await expect(
      svc.serverStart({
        ...base,
        port: 0,
        certificate: { source: 'pem', certPem: a.certPem, keyPem: b.keyPem },
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_CERTIFICATE',
    });
    await expect(
      svc.serverStart({
        ...base,
        port: 0,
        certificate: { source: 'pem', certPem: 'nope', keyPem: a.keyPem },
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_CERTIFICATE',
    });
    expect(svc.list().servers).toHaveLength(1);
  });

  it('echo and auto-reply rules over TLS', async () => {
    const { svc, events } = service();
    const srv = await svc.serverStart({
      ...base,
      port: 0,
      echo: true,
      autoReplies: [
        { match: 'equals', pattern: 'PING', patternEncoding: 'text', reply: 'PONG', replyEncoding: 'text' },
      ],
    });
    const c = await svc.clientConnect({ ...cbase, port: srv.port });
    svc.clientSend({ session: c.session, data: 'PING', encoding: 'text' });
    await waitFor(() => events.find((e) => e.type === 'client.data' && text(e) === 'PONG'));
    svc.clientSend({ session: c.session, data: '\\01\\02', encoding: 'escaped' });
    await waitFor(() => events.find((e) => e.type === 'client.data' && e.bytes === 2 && e.data[0] === 1));
  });

  it('a plain TCP client is a failed handshake event; a TLS client to a plain server is TLS_ERROR; refused is CONNECTION_REFUSED', async () => {
    const { svc, events } = service();
    const srv = await svc.serverStart({ ...base, port: 0 });
    const raw = await rawConnect(srv.port);
    cleanups.push(() => raw.destroy());
    raw.write('GET / HTTP/1.0\r\n\r\n');
    const failed = await waitFor(() => events.find((e) => e.type === 'server.handshakeFailed'));
    expect(failed).toMatchObject({ code: 'TLS_ERROR' });
    const accepted: Socket[] = [];
    const plain = createServer((s: Socket) => {
      accepted.push(s);
      s.on('error', () => undefined);
      s.end('hello, not TLS\n');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise((r) => {
          for (const s of accepted) s.destroy();
          plain.close(r);
        }),
    );
    const port = (plain.address() as { port: number }).port;
    await expect(svc.clientConnect({ ...cbase, port })).rejects.toMatchObject({
      code: expect.stringMatching(/TLS_ERROR|CONNECTION_RESET/),
    });
    await svc.serverStop({ session: srv.session });
    await expect(svc.clientConnect({ ...cbase, port: srv.port })).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
  });

  it('through the dispatcher: bad CA, bad port, unknown session are coded', async () => {
    const { svc } = service();
    const d = createDispatcher({ tlssock: tlssockContract }, { tlssock: svc });
    expect(
      await d.call('tlssock.clientConnect', { host: '127.0.0.1', port: 443, ca: 'not a pem' }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_CERTIFICATE' } });
    expect(await d.call('tlssock.clientConnect', { host: '127.0.0.1', port: 0 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await d.call('tlssock.serverStart', { port: 99999 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await d.call('tlssock.clientSend', { session: 'tls-cli-9', data: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const started = await d.call('tlssock.serverStart', { port: 0 });
    expect(started).toMatchObject({
      ok: true,
      value: { state: 'listening', certificate: { source: 'app' } },
    });
    expect(
      await d.call('tlssock.serverSend', {
        session: (started as { value: { session: string } }).value.session,
        data: 'zz',
        encoding: 'hex',
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_HEX' },
    });
  });
});
