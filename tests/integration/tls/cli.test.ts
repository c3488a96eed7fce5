// `wirelab tls inspect|request` as a user runs it (in process, tests/helpers/cli.ts): exit codes
// 0 / 3 / 1 / 2, --json, --out.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { cli, startCli } from '../../helpers/cli';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

describe('wirelab tls', () => {
  it('inspect: a clean server exits 0 and prints the aligned report, without colour when not a terminal', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const ca = pki.file('ca.pem', pki.root.certPem);
    const human = await cli([
      'tls',
      'inspect',
      `localhost:${port}`,
      '--ca',
      ca,
      '--no-system-store',
      '--http',
      'never',
      '--no-resumption',
    ]);
    expect(human.err).toBe('');
    expect(human.code).toBe(0);
    expect(human.out).toContain(`TLS report for localhost:${port}`);
    expect(human.out).toMatch(/^ {3}Chain of trust {8}trusted {2}for localhost$/m);
    expect(human.out).not.toContain('\x1b[');
    expect(human.out).not.toMatch(/^#|\|---/m);
  });

  it('inspect --scan --json --out: one report object on stdout, the same report in the file', async () => {
    // Ends the connection on Node's renegotiation-limit error, as node:https does: a clean server.
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) => {
      s.on('error', () => s.destroy());
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    });
    const ca = pki.file('ca2.pem', pki.root.certPem);
    const out = pki.file('report.json', '');
    const json = await cli([
      'tls',
      'inspect',
      `localhost:${port}`,
      '--ca',
      ca,
      '--json',
      '--scan',
      '--out',
      out,
      '--http',
      'never',
    ]);
    expect(json.code).toBe(0);
    const lines = json.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec.type).toBe('report');
    expect(rec.scan.handshakes).toBeGreaterThan(10);
    expect(JSON.parse(readFileSync(out, 'utf8')).id).toBe(rec.id);
  });

  it('inspect: problems found → exit 3', async () => {
    const port = await tlsServer({ cert: pki.chain(pki.expired), key: pki.expired.keyPem });
    const r = await cli(['tls', 'inspect', `localhost:${port}`, '--http', 'never', '--no-resumption']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^ {3}critical expired +the server certificate expired on/m);
  });

  it('inspect: not TLS → exit 1 with the code', async () => {
    const http = createHttpServer((_q, s) => s.end('x'));
    const { port } = await listen(http, 0, '127.0.0.1');
    try {
      const r = await cli(['tls', 'inspect', `127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('NOT_TLS');
    } finally {
      await closeServer(http);
    }
  });

  it('inspect: bad usage → exit 2', async () => {
    expect((await cli(['tls', 'inspect'])).code).toBe(2);
    expect((await cli(['tls', 'inspect', 'localhost', '--starttls', 'gopher'])).code).toBe(2);
  });

  it('request: sends the default GET and prints the response', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) =>
      s.on('data', (d) => s.end(`HTTP/1.1 200 OK\r\n\r\necho:${d.toString().split('\r\n')[0]}`)),
    );
    const r = await cli(['tls', 'request', `localhost:${port}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('echo:GET / HTTP/1.1');
  });
});

describe('wirelab tls inspect --clients', () => {
  it('prints the client simulation section: current clients connect, old ones cannot', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, minVersion: 'TLSv1.3' });
    const ca = pki.file('ca-clients.pem', pki.root.certPem);
    const r = await cli(['tls', 'inspect', `localhost:${port}`, '--ca', ca, '--clients', '--http', 'never']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ Client simulation {2}\(\d+ of \d+ clients connect\)$/m);
    expect(r.out).toMatch(/^ {3}Chromium 137 \(Win 11\) +TLSv1\.3 +TLS_AES_\S+ +x25519/m);
    expect(r.out).toMatch(/^ {3}IE 8 Win 7 +cannot connect +no common protocol version/m);
  });
});

describe('wirelab tls inspect TARGET… (mass scan)', () => {
  it('--json: one JSON line per target; --targets FILE adds targets; a failing target exits 1', async () => {
    const ports: number[] = [];
    for (let n = 0; n < 4; n++) ports.push(await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }));
    const ca = pki.file('ca-mass.pem', pki.root.certPem);
    const list = pki.file('targets.txt', `# two more\nlocalhost:${ports[2]}\n\nlocalhost:${ports[3]}\n`);
    const json = await cli([
      'tls',
      'inspect',
      `localhost:${ports[0]}`,
      `localhost:${ports[1]}`,
      '--targets',
      list,
      '--ca',
      ca,
      '--concurrency',
      '2',
      '--http',
      'never',
      '--json',
    ]);
    expect(json.code).toBe(0);
    const lines = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.type === 'target' && l.ok === true && l.grade === 'A')).toBe(true);
    expect(lines.map((l) => l.target).sort()).toEqual(ports.map((p) => `localhost:${p}`).sort());

    const human = await cli([
      'tls',
      'inspect',
      `localhost:${ports[0]}`,
      '127.0.0.1:1',
      '--ca',
      ca,
      '--http',
      'never',
    ]);
    expect(human.code).toBe(1);
    expect(human.out).toMatch(/^\[[12]\/2\] localhost:\d+ +A +0 problems +TLSv1\.3 +expires \d{4}-/m);
    expect(human.out).toMatch(/^ 2 of 2 targets in [\d.]+ s: 1 failed, 0 with problems$/m);
    expect(human.out).toMatch(/127\.0\.0\.1:1 +failed +CONNECTION_REFUSED/);
  });
});

describe('wirelab tls inspect TARGET… interrupted', () => {
  it('Ctrl+C during a mass scan: the finished targets are printed, the held one is given up, exit 130 (not 0)', async () => {
    const good = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    // Accepts and never answers: without the interrupt the scan would wait here for its timeout.
    const held: Socket[] = [];
    const silent = createNetServer((s) => {
      held.push(s);
      s.on('error', () => undefined);
    });
    const { port: silentPort } = await listen(silent, 0, '127.0.0.1');
    onTestFinished(async () => {
      for (const s of held) s.destroy();
      await closeServer(silent);
    });
    const ca = pki.file('ca-int.pem', pki.root.certPem);
    const run = startCli([
      'tls',
      'inspect',
      `localhost:${good}`,
      `localhost:${silentPort}`,
      '--ca',
      ca,
      '--concurrency',
      '1',
      '--timeout',
      '60000',
      '--http',
      'never',
    ]);
    await run.waitOut(/^\[1\/2\] localhost:\d+ +A /m, 20_000);
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    run.interrupt();
    expect(await run.exit).toBe(130);
    // The finished target is in the table; the held one never finished and is not.
    expect(run.out()).toMatch(/^ 1 of 2 targets in [\d.]+ s: 0 failed, 0 with problems \(cancelled\)$/m);
    expect(run.out()).not.toContain(`localhost:${silentPort}`);
  });
});
