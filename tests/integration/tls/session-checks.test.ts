// The checks that complete a TLS session by hand (client-initiated renegotiation, POODLE over TLS,
// Ticketbleed), each against a real server that has the behaviour and one that does not: openssl s_server
// with and without -client_renegotiation, node:tls and s_server for the patched cases, and the two
// purpose-built servers of lax-servers.ts for the bugs no installed stack has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsReport } from '../../../src/shared/contract/tls';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { inspect, inspector, tlsServer } from './helpers';
import { laxCbcServer, ticketbleedProxy } from './lax-servers';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const finding = (r: TlsReport, id: string) => r.scan!.weaknesses.find((w) => w.id === id)!;
const scanOf = (port: number) =>
  inspect(inspector(), { target: `localhost:${port}`, scan: true, caPem: pki.root.certPem });

describe.skipIf(!hasOpenssl)('client-initiated renegotiation (openssl s_server)', () => {
  it('s_server -client_renegotiation renegotiates again and again: vulnerable, no F cap', async () => {
    const port = await opensslServer(pki, ['-client_renegotiation', '-no_tls1_3']);
    const r = await scanOf(port);
    const w = finding(r, 'client-renegotiation');
    expect(w).toMatchObject({ status: 'vulnerable', severity: 'medium' });
    // Each renegotiation is completed (new keys, Finished verified) before the next is asked for.
    expect(w.detail).toContain('renegotiated 10 times on one connection');
    // Secure renegotiation is supported, so it is a DoS finding only.
    expect(finding(r, 'secure-renegotiation').status).toBe('ok');
    expect(r.grade.reasons.map((x) => x.reason).join(' ')).not.toContain('insecure client-initiated');
  });

  it('default s_server refuses it with a no_renegotiation alert: ok', async () => {
    const port = await opensslServer(pki, ['-no_tls1_3']);
    const w = finding(await scanOf(port), 'client-renegotiation');
    expect(w.status).toBe('ok');
    expect(w.detail).toContain('no_renegotiation');
  });

  it('works in TLS 1.0 with a DHE CBC suite (chained IVs, MD5/SHA-1 PRF)', async () => {
    const port = await opensslServer(pki, [
      '-tls1',
      '-client_renegotiation',
      '-cipher',
      'DHE-RSA-AES256-SHA:@SECLEVEL=0',
    ]);
    const r = await scanOf(port);
    expect(finding(r, 'client-renegotiation')).toMatchObject({
      status: 'vulnerable',
      detail: expect.stringContaining('TLSv1 DHE-RSA-AES256-SHA'),
    });
    expect(finding(r, 'poodle-tls')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('bad_record_mac'),
    });
  });
});

describe('POODLE over TLS', () => {
  it.skipIf(!hasOpenssl)('s_server checks every padding byte: bad_record_mac, ok', async () => {
    const port = await opensslServer(pki, ['-no_tls1_3', '-cipher', 'ECDHE-RSA-AES128-SHA256']);
    const w = finding(await scanOf(port), 'poodle-tls');
    expect(w).toMatchObject({ status: 'ok', detail: expect.stringContaining('bad_record_mac') });
  });

  it('a server that checks only the last padding byte is vulnerable and graded F', async () => {
    const port = await laxCbcServer(pki.leaf, [pki.intermediate.der]);
    const r = await scanOf(port);
    const w = finding(r, 'poodle-tls');
    expect(w).toMatchObject({ status: 'vulnerable', severity: 'high' });
    expect(w.detail).toContain('ECDHE-ECDSA-AES128-SHA');
    expect(r.grade.ignoringTrust).toBe('F');
  });

  it('an AEAD-only server is not applicable', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    expect(finding(await scanOf(port), 'poodle-tls').status).toBe('not-applicable');
  });
});

describe('Ticketbleed', () => {
  const ticketServer = () =>
    tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, maxVersion: 'TLSv1.2' }, (s) => s.end());

  it('node:tls resumes the ticket and echoes the short session id exactly: ok', async () => {
    const w = finding(await scanOf(await ticketServer()), 'ticketbleed');
    expect(w).toMatchObject({ status: 'ok', detail: expect.stringContaining('echoed exactly') });
  });

  it('a server that pads the echoed session id with memory is vulnerable (critical, F)', async () => {
    const port = await ticketbleedProxy(await ticketServer());
    const r = await scanOf(port);
    const w = finding(r, 'ticketbleed');
    expect(w).toMatchObject({ status: 'vulnerable', severity: 'critical' });
    // The leaked bytes are the evidence: 16 per attempt, as hex.
    expect(w.detail).toMatch(/[0-9a-f]{32}/);
    expect(r.grade.ignoringTrust).toBe('F');
  });

  it.skipIf(!hasOpenssl)('a server that issues no ticket is ok', async () => {
    const port = await opensslServer(pki, ['-no_tls1_3', '-no_ticket']);
    const w = finding(await scanOf(port), 'ticketbleed');
    expect(w).toMatchObject({ status: 'ok', detail: expect.stringContaining('no session ticket') });
  });
});
