// Exports checked by the real tools where installed: `haproxy -c`, `nginx -t`, and HAProxy run with the
// exported file on loopback, balancing like Wirelab did.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbConfigInput, type LbConfigInput as LbConfigIn } from '../../../src/shared/contract/lb';
import { exportHaproxy, exportNginx } from '../../../src/main/engines/load-balancer/export';
import { count, nameBackend, onCleanup, pool, readAll, sleep } from './helpers';

const findTool = (name: string) =>
  ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
const HAPROXY = findTool('haproxy');
const NGINX = findTool('nginx');
const STREAM_MODULE = [
  '/usr/lib/nginx/modules/ngx_stream_module.so',
  '/usr/share/nginx/modules/ngx_stream_module.so',
].find((p) => existsSync(p));

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-lb-export-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const variants: { name: string; config: LbConfigIn }[] = [
  {
    name: 'rr, no checks',
    config: {
      port: 18080,
      strategy: 'rr',
      backends: [
        { host: '127.0.0.1', port: 9001 },
        { host: '127.0.0.1', port: 9002 },
      ],
    },
  },
  {
    name: 'wrr, http check 200-299, proxy v2, drain/disabled/maxconn, IPv6 and a name',
    config: {
      port: 18081,
      strategy: 'wrr',
      proxyProtocol: 'v2',
      health: { type: 'http', path: '/healthz', statusMin: 200, statusMax: 299 },
      backends: [
        { name: 'web one', host: '127.0.0.1', port: 9001, weight: 3, maxConn: 50 },
        { host: '::1', port: 9002, drain: true },
        { host: '127.0.0.1', port: 9003, enabled: false },
      ],
    },
  },
  {
    name: 'leastconn, tcp check, proxy v1',
    config: {
      port: 18082,
      strategy: 'leastconn',
      proxyProtocol: 'v1',
      health: { type: 'tcp' },
      backends: [{ host: 'localhost', port: 9001 }],
    },
  },
  {
    name: 'p2c',
    config: {
      port: 18083,
      strategy: 'p2c',
      backends: [
        { host: '127.0.0.1', port: 9001 },
        { host: '127.0.0.1', port: 9002, weight: 2 },
      ],
    },
  },
  {
    name: 'hash, odd status range',
    config: {
      port: 18084,
      strategy: 'hash',
      health: { type: 'http', statusMin: 204, statusMax: 311 },
      backends: [{ host: '127.0.0.1', port: 9001 }],
    },
  },
  { name: 'no backends', config: { port: 18085 } },
];

describe('exports', () => {
  it('HAProxy: the rr/wrr/leastconn/p2c/hash mappings and settings are written', () => {
    const text = exportHaproxy(LbConfigInput.parse(variants[1]!.config)).text;
    expect(text).toContain('mode tcp');
    expect(text).toContain('balance roundrobin');
    expect(text).toContain('option httpchk GET /healthz');
    expect(text).toContain('http-check expect rstatus ^(2..)$');
    expect(text).toMatch(/server web_one 127\.0\.0\.1:9001 weight 3 maxconn 50 .*check send-proxy-v2/);
    expect(text).toMatch(/server srv\S* \[::1\]:9002 weight 0 /);
    expect(text).toMatch(/server srv\S* 127\.0\.0\.1:9003 .* disabled/);
    expect(exportHaproxy(LbConfigInput.parse(variants[4]!.config)).text).toContain('hash-type consistent');
    expect(exportHaproxy(LbConfigInput.parse(variants[3]!.config)).text).toContain('balance random(2)');
  });

  it('nginx: the stream block carries the strategy, limits and PROXY protocol', () => {
    const r = exportNginx(LbConfigInput.parse(variants[1]!.config));
    expect(r.text).toContain('stream {');
    expect(r.text).toContain('server 127.0.0.1:9001 weight=3 max_conns=50');
    expect(r.text).toContain('proxy_protocol on;');
    expect(r.warnings.join(' ')).toMatch(/v1 only/);
    expect(exportNginx(LbConfigInput.parse(variants[4]!.config)).text).toContain(
      'hash $remote_addr consistent;',
    );
    expect(exportNginx(LbConfigInput.parse(variants[2]!.config)).text).toContain('least_conn;');
  });

  it.skipIf(!HAPROXY)('haproxy -c accepts every exported variant', () => {
    const dir = tmp();
    for (const v of variants) {
      const file = join(dir, `${v.config.port}.cfg`);
      writeFileSync(file, exportHaproxy(LbConfigInput.parse(v.config)).text);
      const r = spawnSync(HAPROXY as string, ['-c', '-f', file], { encoding: 'utf8' });
      expect(r.status, `${v.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it.skipIf(!NGINX || !STREAM_MODULE)('nginx -t accepts every exported variant', () => {
    const dir = tmp();
    for (const v of variants) {
      const file = join(dir, `${v.config.port}.conf`);
      writeFileSync(file, exportNginx(LbConfigInput.parse(v.config)).text);
      // Debian builds the stream module as a dynamic module: load it, then include the export as is.
      const wrapper = join(dir, `${v.config.port}-main.conf`);
      writeFileSync(
        wrapper,
        `load_module ${STREAM_MODULE};\npid ${join(dir, 'nginx.pid')};\nerror_log stderr;\ninclude ${file};\n`,
      );
      const r = spawnSync(NGINX as string, ['-t', '-c', wrapper, '-p', dir], { encoding: 'utf8' });
      expect(r.status, `${v.name}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it.skipIf(!HAPROXY)(
    'HAProxy run with the export balances weighted round robin as Wirelab does',
    async () => {
      const backends = await Promise.all(['a', 'b', 'c'].map((n) => nameBackend(n)));
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as { port: number }).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const dir = tmp();
      const file = join(dir, 'haproxy.cfg');
      const config = LbConfigInput.parse({
        port,
        strategy: 'wrr',
        health: { type: 'tcp', intervalMs: 1000 },
        backends: backends.map((b, i) => ({ host: '127.0.0.1', port: b.port, weight: i + 1 })),
      });
      writeFileSync(file, exportHaproxy(config).text);
      const child = spawn(HAPROXY as string, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      onCleanup(
        () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      );
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await readAll(port).then(
          (t) => t.length > 0,
          () => false,
        );
        if (!up) await sleep(50);
      }
      expect(up, stderr).toBe(true);
      const got = await pool(600, 10, () => readAll(port));
      const c = count(got);
      // 1:2:3 of 600 → 100/200/300 (the probe above took one extra pick).
      expect(Math.abs((c.a ?? 0) - 100)).toBeLessThanOrEqual(3);
      expect(Math.abs((c.b ?? 0) - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs((c.c ?? 0) - 300)).toBeLessThanOrEqual(3);
    },
    30_000,
  );
});
