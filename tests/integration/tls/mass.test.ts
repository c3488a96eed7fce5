// Mass scans over real sockets: 50 local servers (one process, 50 ports) inspected 8 at a time; every
// target streams its row as a `target` event; a refused port is a row with its code, not the end of the
// scan; cancel stops it with the rows finished so far.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { TlsEvent, TlsMassRow } from '../../../src/shared/contract/tls';
import { TlsInspectManyInput } from '../../../src/shared/contract/tls';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { inspector, tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const options = {
  caPem: '',
  http: 'never',
  resumption: false,
  useSystemStore: false,
  noHistory: true,
} as const;

describe('inspectMany', () => {
  it('50 servers with concurrency 8: 50 rows in input order, 50 streamed events, a refused port coded', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }));
    const refused = await freePort();
    const targets = [...ports.map((p) => `localhost:${p}`), `127.0.0.1:${refused}`];
    const i = inspector();
    const events: Extract<TlsEvent, { type: 'target' }>[] = [];
    i.on((e) => {
      if (e.type === 'target') events.push(e);
    });
    const out = await i.inspectMany(
      TlsInspectManyInput.parse({
        targets,
        concurrency: 8,
        options: { ...options, caPem: pki.root.certPem },
        session: 'mass-1',
      }),
    );
    expect(out.cancelled).toBe(false);
    expect(out.rows.map((r) => r.index)).toEqual(targets.map((_, n) => n));
    const good = out.rows.slice(0, 50);
    for (const r of good)
      expect(r).toMatchObject({ ok: true, trusted: true, problemCount: 0, protocol: 'TLSv1.3' });
    expect(good.every((r: TlsMassRow) => (r.daysLeft ?? 0) > 300 && r.grade !== undefined)).toBe(true);
    expect(out.rows[50]).toMatchObject({
      ok: false,
      code: 'CONNECTION_REFUSED',
      target: `127.0.0.1:${refused}`,
    });
    expect(events).toHaveLength(51);
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: 51 }, (_, n) => n + 1));
    expect(new Set(events.map((e) => e.row.index)).size).toBe(51);
    expect(events.every((e) => e.session === 'mass-1' && e.total === 51)).toBe(true);
  });

  it('cancel stops the scan: fewer rows, cancelled: true, and the inspector takes new work', async () => {
    const ports: number[] = [];
    for (let n = 0; n < 12; n++) ports.push(await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }));
    const i = inspector();
    let first = true;
    i.on((e) => {
      if (e.type === 'target' && first) {
        first = false;
        void i.cancel({ session: 'mass-2' });
      }
    });
    const out = await i.inspectMany(
      TlsInspectManyInput.parse({
        targets: ports.map((p) => `localhost:${p}`),
        concurrency: 1,
        options: { ...options, caPem: pki.root.certPem, scan: true },
        session: 'mass-2',
      }),
    );
    expect(out.cancelled).toBe(true);
    expect(out.rows.length).toBeGreaterThan(0);
    expect(out.rows.length).toBeLessThan(12);
    const again = await i.inspectMany(
      TlsInspectManyInput.parse({
        targets: [`localhost:${ports[0]}`],
        options: { ...options, caPem: pki.root.certPem },
      }),
    );
    expect(again.rows[0]?.ok).toBe(true);
  });

  it('bad input: no targets, too many targets', () => {
    expect(TlsInspectManyInput.safeParse({ targets: [] }).success).toBe(false);
    const many = TlsInspectManyInput.safeParse({ targets: Array.from({ length: 1001 }, () => 'a') });
    expect(many.success).toBe(false);
  });
});
