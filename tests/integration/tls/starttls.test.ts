import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { codeOf, inspect, inspector } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

type Dialect = 'smtp' | 'smtp-no-starttls' | 'imap' | 'pop3' | 'ftp';

/** A small responder: greets, answers the capability/upgrade commands, then hands the socket to TLS. */
async function responder(dialect: Dialect): Promise<{ port: number; upgrades: () => number }> {
  const context = createSecureContext({ cert: pki.chain(), key: pki.leaf.keyPem });
  let upgrades = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    const upgrade = () => {
      s.removeAllListeners('data');
      upgrades++;
      const t = new TLSSocket(s, { isServer: true, secureContext: context });
      t.on('error', () => undefined);
      t.on('data', () => t.end('250 OK\r\n'));
    };
    const greet: Record<Dialect, string> = {
      smtp: '220 mail.test ESMTP ready\r\n',
      'smtp-no-starttls': '220 mail.test ESMTP ready\r\n',
      imap: '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n',
      pop3: '+OK POP3 ready\r\n',
      ftp: '220-Welcome\r\n220 FTP ready\r\n',
    };
    s.write(greet[dialect]);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (/^EHLO /i.test(line))
          s.write(
            dialect === 'smtp'
              ? '250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n'
              : '250-mail.test\r\n250 PIPELINING\r\n',
          );
        else if (line === 'STARTTLS' && dialect === 'smtp') {
          s.write('220 Go ahead\r\n');
          return upgrade();
        } else if (/^W1 STARTTLS$/i.test(line)) {
          s.write('W1 OK Begin TLS negotiation now\r\n');
          return upgrade();
        } else if (line === 'STLS') {
          s.write('+OK Begin TLS\r\n');
          return upgrade();
        } else if (line === 'AUTH TLS') {
          s.write('234 AUTH TLS OK\r\n');
          return upgrade();
        } else s.write('500 unknown\r\n');
      }
    });
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(async () => {
    for (const x of sockets) x.destroy();
    await closeServer(server);
  });
  return { port, upgrades: () => upgrades };
}

describe('STARTTLS', () => {
  it('SMTP: upgrades, inspects the certificate and keeps the plaintext transcript', async () => {
    const { port } = await responder('smtp');
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      starttls: 'smtp',
      caPem: pki.root.certPem,
    });
    expect(r.handshake.protocol).toBe('TLSv1.3');
    expect(r.validation.trusted).toBe(true);
    expect(r.handshake.timings?.starttlsMs).toBeGreaterThan(0);
    expect(r.handshake.starttlsTranscript).toEqual([
      '< 220 mail.test ESMTP ready',
      '> EHLO wirelab.invalid',
      '< 250-mail.test',
      '< 250-PIPELINING',
      '< 250 STARTTLS',
      '> STARTTLS',
      '< 220 Go ahead',
    ]);
  });

  it('SMTP: the scan runs the STARTTLS dialogue before every hand-built ClientHello', async () => {
    const { port, upgrades } = await responder('smtp');
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      starttls: 'smtp',
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(r.scan!.versions.filter((v) => v.supported).map((v) => v.version)).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(upgrades()).toBeGreaterThan(r.scan!.handshakes - 1);
  });

  it.each(['imap', 'pop3', 'ftp'] as const)('%s: upgrades and inspects', async (proto) => {
    const { port } = await responder(proto);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      starttls: proto,
      caPem: pki.root.certPem,
    });
    expect(r.validation.trusted).toBe(true);
  });

  it('a server that does not offer STARTTLS → STARTTLS_UNSUPPORTED; a TLS port spoken to as SMTP → STARTTLS_FAILED or TIMEOUT', async () => {
    const { port } = await responder('smtp-no-starttls');
    expect(await codeOf(inspect(inspector(), { target: `localhost:${port}`, starttls: 'smtp' }))).toBe(
      'STARTTLS_UNSUPPORTED',
    );
    const pop = await responder('pop3');
    expect(
      await codeOf(
        inspect(inspector(), { target: `localhost:${pop.port}`, starttls: 'smtp', timeoutMs: 500 }),
      ),
    ).toBe('STARTTLS_FAILED');
  });
});
