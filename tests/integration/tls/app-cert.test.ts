import { afterEach, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import { listen, closeServer } from '../../../src/main/engines/common/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-appcert-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('app certificate', () => {
  it('a node:tls server using it completes a handshake and the fingerprint matches what the client sees', async () => {
    const dir = tempDir();
    const app = await loadOrCreateAppCertificate(dir);
    const server = createServer({ cert: app.certPem, key: app.keyPem }, (s) => s.end('hi'));
    cleanups.push(() => closeServer(server));
    const { port } = await listen(server, 0, '127.0.0.1');
    const peer = await new Promise<{ fp: string; authorized: boolean; protocol: string | null }>(
      (resolve, reject) => {
        const sock: TLSSocket = connect(
          { host: '127.0.0.1', port, ca: app.certPem, servername: 'localhost' },
          () => {
            resolve({
              fp: sock.getPeerX509Certificate()?.fingerprint256 ?? '',
              authorized: sock.authorized,
              protocol: sock.getProtocol(),
            });
            sock.destroy();
          },
        );
        sock.on('error', reject);
      },
    );
    expect(peer.authorized).toBe(true);
    expect(peer.fp).toBe(app.fingerprint256);
    expect(app.fingerprint256).toBe(new X509Certificate(app.certPem).fingerprint256);
    expect(app.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('is ECDSA P-256 with localhost, 127.0.0.1 and ::1 (plus extra names) and a 0600 key', async () => {
    const dir = tempDir();
    const app = await loadOrCreateAppCertificate(dir, {
      commonName: 'wirelab-test',
      altNames: ['lab.example', '198.18.0.1'],
    });
    const cert = new X509Certificate(app.certPem);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.subject).toContain('CN=wirelab-test');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('lab.example')).toBe('lab.example');
    expect(cert.checkIP('198.18.0.1')).toBe('198.18.0.1');
    expect(statSync(join(dir, 'app-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('is generated once and reloaded on later calls', async () => {
    const dir = tempDir();
    const a = await loadOrCreateAppCertificate(dir);
    const b = await loadOrCreateAppCertificate(dir);
    expect(b).toEqual(a);
  });

  it('sets a corrupt pair aside and regenerates', async () => {
    const dir = tempDir();
    const a = await loadOrCreateAppCertificate(dir);
    writeFileSync(join(dir, 'app-cert.pem'), 'not a certificate');
    const b = await loadOrCreateAppCertificate(dir);
    expect(b.fingerprint256).not.toBe(a.fingerprint256);
    const aside = readdirSync(dir).filter((f) => f.includes('.corrupt-'));
    expect(aside.some((f) => f.startsWith('app-cert.pem.corrupt-'))).toBe(true);
    expect(aside.some((f) => f.startsWith('app-key.pem.corrupt-'))).toBe(true);
    expect(
      readFileSync(
        join(
          dir,
          aside.find((f) => f.startsWith('app-cert'))!,
        ),
        'utf8',
      ),
    ).toBe('not a certificate');
  });

  it('regenerates when the key does not belong to the certificate', async () => {
    const one = tempDir();
    const two = tempDir();
    const a = await loadOrCreateAppCertificate(one);
    const b = await loadOrCreateAppCertificate(two);
    writeFileSync(join(one, 'app-key.pem'), b.keyPem);
    const c = await loadOrCreateAppCertificate(one);
    expect(c.fingerprint256).not.toBe(a.fingerprint256);
    expect(
      new X509Certificate(c.certPem).checkPrivateKey(
        (await import('node:crypto')).createPrivateKey(c.keyPem),
      ),
    ).toBe(true);
  });

  it('regenerates when a requested name is not covered', async () => {
    const dir = tempDir();
    const a = await loadOrCreateAppCertificate(dir);
    const b = await loadOrCreateAppCertificate(dir, { altNames: ['other.test'] });
    expect(b.fingerprint256).not.toBe(a.fingerprint256);
    expect(new X509Certificate(b.certPem).checkHost('other.test')).toBe('other.test');
  });
});
