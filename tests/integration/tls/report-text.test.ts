// The terminal layout of a real report: sections, one aligned verdict per line, colour only when asked
// (and never from NO_COLOR), control characters from the network never reach the terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { reportToText, safeText } from '../../../src/main/engines/tls/report-text';
import { wantColor } from '../../../src/cli/commands/tls';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { inspect, inspector, tlsServer } from './helpers';

const ESC = String.fromCharCode(27);
let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

describe('terminal report', () => {
  it('sections and aligned verdicts; colour codes only with color: true', async () => {
    const port = await tlsServer({ cert: pki.chain(pki.expired), key: pki.expired.keyPem });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      scan: true,
    });
    const plain = reportToText(r, { color: false });
    for (const section of [
      'Grade',
      'Handshake',
      'Certificates (as sent)',
      'Trust',
      'Cipher suites',
      'Vulnerabilities',
    ])
      expect(plain).toMatch(new RegExp(`^ ${section.replace(/[()]/g, '\\$&')}`, 'm'));
    expect(plain).toMatch(/^ {3}Overall {15}T {2}A if the certificate were trusted/m);
    expect(plain).toMatch(/^ {3}TLS 1\.3 {15}offered {2}server chooses the suite$/m);
    expect(plain).toMatch(/^ {3}TLS 1\.0 {15}not offered$/m);
    expect(plain).toMatch(/^ {3}critical expired +the server certificate expired/m);
    // Every vulnerability verdict starts in the same column.
    const vulns = plain.slice(plain.indexOf(' Vulnerabilities')).split('\n').slice(1).filter(Boolean);
    const columns = new Set(
      vulns.map((l) => /(VULNERABLE|not vulnerable|not applicable|unknown|noted \(info\))/.exec(l)?.index),
    );
    expect(columns.size).toBe(1);
    expect(plain).not.toContain('\x1b[');

    const coloured = reportToText(r, { color: true });
    expect(coloured).toContain('\x1b[31;1mT\x1b[0m');
    expect(coloured.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '')).toBe(plain);
  });

  it('client simulation: every verdict in one column, a name wider than the column on its own line', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, minVersion: 'TLSv1.2' });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      clients: true,
    });
    const plain = reportToText(r, { color: false });
    const lines = plain.slice(plain.indexOf(' Client simulation')).split('\n').slice(1).filter(Boolean);
    const verdicts = lines.filter((l) => /TLSv1\.[0-3] |cannot connect/.test(l));
    expect(verdicts).toHaveLength(r.clients!.length);
    expect(new Set(verdicts.map((l) => /TLSv1\.[0-3] |cannot connect/.exec(l)?.index)).size).toBe(1);
    const long = '.NET 8 / .NET Framework 4.8 HttpClient on Windows 10 (SChannel)';
    expect(lines).toContain(`   ${long}`);
    expect(lines[lines.indexOf(`   ${long}`) + 1]).toMatch(/^ +TLSv1\.2 +ECDHE-/);
  });

  it('a certificate subject with terminal escapes is printed harmlessly', async () => {
    const leaf = buildCertificate(leafSpec(pki.intermediate, { organization: 'Evil\x1b]0;owned\x07 Corp' }));
    const port = await tlsServer({ cert: pki.chain(leaf), key: leaf.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    const text = reportToText(r, { color: false });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\x07');
    expect(safeText('a\x1b[2Jb')).toBe('a?[2Jb');
  });

  it('colour only on a TTY, NO_COLOR honoured, FORCE_COLOR forces it', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const pipe = new PassThrough();
    expect(wantColor(tty, {})).toBe(true);
    expect(wantColor(pipe, {})).toBe(false);
    expect(wantColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(wantColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantColor(pipe, { FORCE_COLOR: '1', NO_COLOR: 'x' })).toBe(false);
  });
});
