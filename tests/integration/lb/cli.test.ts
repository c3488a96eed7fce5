// The `wirelab lb` commands, run in process (tests/helpers/cli.ts) over real sockets.
import { describe, expect, it } from 'vitest';
import { cli, jsonLines, startCli } from '../../helpers/cli';
import { httpGet } from './helpers';

describe('wirelab lb CLI', () => {
  it('demo-backends + lb --json: balances, and prints one stats object a second', async () => {
    const demo = startCli(['lb', 'demo-backends', '3', '--json']);
    await demo.waitOut(/"name":"backend-3"/);
    const words = jsonLines(demo.out())
      .filter((l) => l.type === 'backend')
      .map((b) => `127.0.0.1:${String(b.port)}`);
    expect(words).toHaveLength(3);
    const lb = startCli([
      'lb',
      '--port',
      '0',
      '--strategy',
      'rr',
      '--check',
      'http:/',
      '--interval',
      '200',
      '--json',
      ...words,
    ]);
    const port = Number((await lb.waitOut(/"type":"listening".*?"port":(\d+)/))[1]);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await httpGet(port)).backend);
    expect(seen).toEqual(['backend-1', 'backend-2', 'backend-3']);
    await lb.waitOut(/"type":"stats".*"connsPerSec":[1-9]/);
    const stats = jsonLines(lb.out()).find((l) => l.type === 'stats' && (l.connsPerSec as number) > 0);
    expect(stats!.backends).toHaveLength(3);
    lb.interrupt();
    expect(await lb.exit).toBe(0);
    demo.interrupt();
    expect(await demo.exit).toBe(0);
  });

  it('export prints a configuration HAProxy and nginx understand', async () => {
    const h = await cli([
      'lb',
      'export',
      'haproxy',
      '--port',
      '8080',
      '--strategy',
      'hash',
      '--check',
      'tcp',
      '--json',
      '127.0.0.1:9001@2',
      '[::1]:9002',
    ]);
    expect(h.code).toBe(0);
    const rec = jsonLines(h.out)[0]!;
    expect(rec.format).toBe('haproxy');
    expect(rec.text).toContain('balance source');
    expect(rec.text).toContain('server srv_127.0.0.1_9001 127.0.0.1:9001 weight 2 check');
    const n = await cli(['lb', 'export', 'nginx', '--port', '8080', '127.0.0.1:9001']);
    expect(n.code).toBe(0);
    expect(n.out).toContain('listen 127.0.0.1:8080;');
  });

  it('bad backends, weights, ports, strategies and limits: the contract codes, exit 2', async () => {
    const cases: [string[], string][] = [
      [['nohostport'], 'LB_INVALID_BACKEND'],
      [['127.0.0.1:80@999'], 'LB_WEIGHT_OUT_OF_RANGE'],
      [['127.0.0.1:99999'], 'PORT_OUT_OF_RANGE'],
      [['--port', '70000', '127.0.0.1:80'], 'PORT_OUT_OF_RANGE'],
      [['--strategy', 'fastest', '127.0.0.1:80'], 'INVALID_INPUT'],
      [['--proxy-protocol', 'v3', '127.0.0.1:80'], 'INVALID_INPUT'],
      [['--max-conn', '0', '127.0.0.1:80'], 'INVALID_INPUT'],
      [['--retries', 'many', '127.0.0.1:80'], 'INVALID_INPUT'],
    ];
    for (const [words, code] of cases) {
      const argv = ['lb', 'export', 'haproxy', ...(words[0] === '--port' ? [] : ['--port', '0']), ...words];
      const r = await cli(argv);
      expect({ argv, code: r.code, coded: r.err.includes(code) }).toEqual({ argv, code: 2, coded: true });
    }
    const check = await cli(['lb', 'export', 'haproxy', '--port', '0', '--check', 'udp', '127.0.0.1:80']);
    expect(check.code).toBe(2);
    const many = await cli(['lb', 'demo-backends', '99']);
    expect(many.code).toBe(2);
    expect(many.err).toContain('LIMIT_EXCEEDED');
  });
});
