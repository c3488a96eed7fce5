// The `wirelab` command over real sockets: tcp listen / tcp send, --json, exit codes, --help.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { collect, rawConnect } from '../../helpers/net';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function cli(args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/index.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, WIRELAB_CLI_MAIN: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitOut(c: ReturnType<typeof cli>, re: RegExp): Promise<RegExpMatchArray> {
  for (let i = 0; i < 1500; i++) {
    const m = re.exec(c.out());
    if (m) return m;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no ${re} in ${c.out()} / ${c.err()}`);
}

describe('wirelab tcp', () => {
  it('listen --welcome --json: prints the port, greets a client, reports its data', async () => {
    const c = cli(['tcp', 'listen', '0', '--welcome', 'Welcome to the server!', '--json']);
    const m = await waitOut(c, /"type":"listening".*"port":(\d+)/);
    const sock = await rawConnect(Number(m[1]));
    await collect(sock).until((t) => t === 'Welcome to the server!');
    sock.write('Hello, TCP Server!');
    await waitOut(c, /"type":"data".*"text":"Hello, TCP Server!"/);
    sock.destroy();
    await waitOut(c, /"type":"closed"/);
    c.child.kill('SIGINT');
    expect(await c.exit).toBe(0);
    for (const line of c.out().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('send: text and hex to an echo listener, prints the reply', async () => {
    const l = cli(['tcp', 'listen', '0', '--echo']);
    const port = (await waitOut(l, /listening on 127\.0\.0\.1:(\d+)/))[1]!;
    const s = cli(['tcp', 'send', '127.0.0.1', port, 'Hello, TCP Server!', '--wait', '300']);
    expect(await s.exit).toBe(0);
    expect(s.out()).toContain('Hello, TCP Server!');
    const h = cli(['tcp', 'send', '127.0.0.1', port, '--hex', '48 69', '--wait', '300', '--json']);
    expect(await h.exit).toBe(0);
    expect(h.out()).toMatch(/"hex":"48 69"/);
  });

  it('exit codes: refused → 1 with the code; bad port / bad hex → 2; unknown command → 2', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const refused = cli(['tcp', 'send', '127.0.0.1', String(port), 'x']);
    expect(await refused.exit).toBe(1);
    expect(refused.err()).toContain('CONNECTION_REFUSED');
    const badPort = cli(['tcp', 'send', '127.0.0.1', '70000', 'x']);
    expect(await badPort.exit).toBe(2);
    expect(badPort.err()).toContain('PORT_OUT_OF_RANGE');
    const badHex = cli(['tcp', 'send', '127.0.0.1', '1', '--hex', 'zz']);
    expect(await badHex.exit).toBe(2);
    expect(badHex.err()).toContain('INVALID_HEX');
    const unknown = cli(['frobnicate']);
    expect(await unknown.exit).toBe(2);
  });

  it('--help on every command', async () => {
    const top = cli(['--help']);
    expect(await top.exit).toBe(0);
    expect(top.out()).toContain('tcp listen');
    for (const path of [['tcp', 'listen'], ['tcp', 'send'], ['serve']]) {
      const h = cli([...path, '--help']);
      expect(await h.exit).toBe(0);
      expect(h.out()).toContain(`wirelab ${path.join(' ')}`);
    }
  });
});
