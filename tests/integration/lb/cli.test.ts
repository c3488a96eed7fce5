// The `wirelab lb` commands, run in-process with a captured Io.
import { describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import { lbDemoBackends, lbExport, lbRun, configFromArgs } from '../../../src/cli/commands/lb';
import { commonOptions, type Command, type Io } from '../../../src/cli/framework';
import { EngineError } from '../../../src/main/engines/common/errors';
import { httpGet, sleep } from './helpers';

function run(cmd: Command, argv: string[], stopAfter: Promise<unknown> | null) {
  const lines: { human: string; record?: Record<string, unknown> }[] = [];
  let interrupt = () => {};
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const json = argv.includes('--json');
  const io: Io = {
    json,
    interrupted,
    stdin: process.stdin,
    out: (human, record) => lines.push({ human, record }),
    err: (m) => lines.push({ human: `ERR ${m}` }),
  };
  const parsed = parseArgs({
    args: argv,
    options: { ...commonOptions, ...cmd.options },
    allowPositionals: true,
    strict: true,
  });
  const done = cmd.run(parsed as never, io);
  if (stopAfter) void stopAfter.then(() => interrupt());
  else interrupt();
  return { lines, done, interrupt };
}

const waitLine = async (
  lines: { human: string; record?: Record<string, unknown> }[],
  pred: (l: { human: string; record?: Record<string, unknown> }) => boolean,
) => {
  for (let i = 0; i < 300; i++) {
    const l = lines.find(pred);
    if (l) return l;
    await sleep(20);
  }
  throw new Error(`no line; got ${JSON.stringify(lines).slice(0, 500)}`);
};

describe('wirelab lb CLI', () => {
  it('demo-backends + lb --json: balances, and prints one stats object a second', async () => {
    const demo = run(lbDemoBackends, ['3', '--json'], new Promise(() => undefined));
    const backends = [];
    for (let i = 0; i < 3; i++)
      backends.push(await waitLine(demo.lines, (l) => l.record?.name === `backend-${i + 1}`));
    const words = backends.map((b) => `127.0.0.1:${String(b.record!.port)}`);
    const lb = run(
      lbRun,
      ['--port', '0', '--strategy', 'rr', '--check', 'http:/', '--interval', '200', '--json', ...words],
      new Promise(() => undefined),
    );
    const listening = await waitLine(lb.lines, (l) => l.record?.type === 'listening');
    const port = listening.record!.port as number;
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await httpGet(port)).backend);
    expect(seen).toEqual(['backend-1', 'backend-2', 'backend-3']);
    const stats = await waitLine(
      lb.lines,
      (l) => l.record?.type === 'stats' && (l.record.connsPerSec as number) > 0,
    );
    expect(stats.record!.backends).toHaveLength(3);
    lb.interrupt();
    expect(await lb.done).toBe(0);
    demo.interrupt();
    expect(await demo.done).toBe(0);
  });

  it('export prints a configuration HAProxy and nginx understand', async () => {
    const h = run(
      lbExport,
      [
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
      ],
      null,
    );
    expect(await h.done).toBe(0);
    const rec = h.lines[0]!.record!;
    expect(rec.format).toBe('haproxy');
    expect(rec.text).toContain('balance source');
    expect(rec.text).toContain('server srv_127.0.0.1_9001 127.0.0.1:9001 weight 2 check');
    const n = run(lbExport, ['nginx', '--port', '8080', '--json', '127.0.0.1:9001'], null);
    expect(await n.done).toBe(0);
    expect(n.lines[0]!.record!.text).toContain('listen 127.0.0.1:8080;');
  });

  it('bad backends, weights and strategies give coded errors', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'OK';
      } catch (e) {
        return e instanceof EngineError ? e.code : (e as Error).constructor.name;
      }
    };
    expect(code(() => configFromArgs({ port: '0', strategy: 'rr' }, ['nohostport']))).toBe(
      'LB_INVALID_BACKEND',
    );
    expect(code(() => configFromArgs({ port: '0', strategy: 'rr' }, ['127.0.0.1:80@999']))).toBe(
      'LB_WEIGHT_OUT_OF_RANGE',
    );
    expect(code(() => configFromArgs({ port: '0', strategy: 'rr' }, ['127.0.0.1:99999']))).toBe(
      'PORT_OUT_OF_RANGE',
    );
    expect(code(() => configFromArgs({ port: '70000', strategy: 'rr' }, ['127.0.0.1:80']))).toBe(
      'PORT_OUT_OF_RANGE',
    );
    expect(code(() => configFromArgs({ port: '0', strategy: 'fastest' }, ['127.0.0.1:80']))).toBe(
      'UsageError',
    );
    expect(code(() => configFromArgs({ port: '0', strategy: 'rr', check: 'udp' }, ['127.0.0.1:80']))).toBe(
      'UsageError',
    );
    expect(
      code(() => configFromArgs({ port: '0', strategy: 'rr', 'proxy-protocol': 'v3' }, ['127.0.0.1:80'])),
    ).toBe('INVALID_INPUT');
  });
});
