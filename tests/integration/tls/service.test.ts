import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../../src/main/services';
import type { TlsHistoryEntry, TlsReport } from '../../../src/shared/contract/tls';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

function services(dir?: string) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'wirelab-tls-svc-'));
  const s = createServices({ dataDir, shell: 'browser', version: 'test', chatDiscovery: false });
  onTestFinished(async () => {
    await s.close();
    if (!dir) rmSync(dataDir, { recursive: true, force: true });
  });
  return { s, dataDir };
}

async function call<T>(s: ReturnType<typeof createServices>, channel: string, input: unknown): Promise<T> {
  const r = await s.dispatcher.call(channel, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as T;
}

describe('TLS inspector through the dispatcher', () => {
  it('inspect → history (persisted across restarts) → stored report → export JSON and Markdown → clear', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-tls-hist-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const first = services(dir).s;
    const events: string[] = [];
    first.bus.subscribe((batch) =>
      events.push(...batch.filter((e) => e.engine === 'tls').map((e) => e.type)),
    );
    const report = await call<TlsReport>(first, 'tls.inspect', {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      http: 'never',
      scan: true,
    });
    await new Promise((r) => setTimeout(r, 120));
    expect(events).toContain('progress');
    expect(events[events.length - 1]).toBe('finished');
    await first.close();

    const again = services(dir).s;
    const { entries } = await call<{ entries: TlsHistoryEntry[] }>(again, 'tls.history', {});
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id: report.id,
      host: 'localhost',
      port,
      grade: report.grade.grade,
      scanned: true,
      hasReport: true,
    });
    const stored = await call<TlsReport>(again, 'tls.historyReport', { id: report.id });
    expect(stored.certificates.map((c) => c.sha256)).toEqual(report.certificates.map((c) => c.sha256));

    const json = await call<{ text: string; fileName: string; mime: string }>(again, 'tls.exportReport', {
      report: stored,
      format: 'json',
    });
    expect(json.mime).toBe('application/json');
    expect(json.fileName).toMatch(/^tls-localhost-\d+-.*\.json$/);
    expect(JSON.parse(json.text).id).toBe(report.id);
    const md = await call<{ text: string; fileName: string }>(again, 'tls.exportReport', {
      report: stored,
      format: 'markdown',
    });
    expect(md.fileName).toMatch(/\.md$/);
    expect(md.text).toContain(`# TLS report for localhost:${port}`);
    expect(md.text).toContain('## Scan (');
    // Headings speak to people: no type names ("## TlsGrade:").
    expect(md.text).toMatch(/^## Grade: [A-FT][+-]?/m);
    expect(md.text).toMatch(/^## Validation: (trusted|NOT trusted) for localhost$/m);
    expect(md.text).not.toMatch(/^#+ Tls[A-Z]/m);
    expect(md.text).toContain('TLS_FALLBACK_SCSV');
    expect(md.text).toContain(report.certificates[0]!.sha256);

    expect(await call(again, 'tls.historyClear', {})).toEqual({ removed: 1 });
    expect((await call<{ entries: unknown[] }>(again, 'tls.history', {})).entries).toEqual([]);
    await expect(call(again, 'tls.historyReport', { id: report.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a corrupt history file is set aside and a fresh history starts', async () => {
    const { s, dataDir } = services();
    writeFileSync(join(dataDir, 'tls-history.json'), '{ not json');
    expect((await call<{ entries: unknown[] }>(s, 'tls.history', {})).entries).toEqual([]);
    expect(readdirSync(dataDir).some((f) => f.startsWith('tls-history.json.corrupt-'))).toBe(true);
  });

  it('the history keeps at most the configured number of full reports', async () => {
    const { TlsInspector } = await import('../../../src/main/engines/tls/inspector');
    const { TlsInspectInput } = await import('../../../src/shared/contract/tls');
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-tls-hist2-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const i = new TlsInspector({ historyFile: join(dir, 'h.json'), historyEntries: 3, historyReports: 2 });
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    for (let n = 0; n < 4; n++)
      await i.inspect(
        TlsInspectInput.parse({ target: `localhost:${port}`, http: 'never', resumption: false }),
      );
    const { entries } = await i.history();
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => e.hasReport)).toEqual([true, true, false]);
  });

  it('raw request over TLS: default GET with Host, custom text, response bounded', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (sock) => {
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n\r\n'))
          sock.end(`HTTP/1.1 200 OK\r\nContent-Length: ${got.length}\r\n\r\n${got}`);
      });
    });
    const { s } = services();
    const r = await call<{
      response: string;
      sent: string;
      closedBy: string;
      truncated: boolean;
      protocol: string;
    }>(s, 'tls.request', { target: `localhost:${port}` });
    expect(r.sent).toBe('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(r.response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(r.response).toContain('Host: localhost');
    expect(r.closedBy).toBe('server');
    expect(r.protocol).toBe('TLSv1.3');
    const small = await call<{
      response: string;
      truncated: boolean;
      closedBy: string;
      responseBytes: number;
    }>(s, 'tls.request', { target: `localhost:${port}`, data: 'PING\r\n\r\n', maxResponseBytes: 10 });
    expect(small).toMatchObject({
      truncated: true,
      closedBy: 'limit',
      responseBytes: 10,
      response: 'HTTP/1.1 2',
    });
    await expect(
      call(s, 'tls.request', { target: `localhost:${port}`, data: 'zz', encoding: 'hex' }),
    ).rejects.toMatchObject({ code: 'INVALID_HEX' });
  });
});
