// The `wirelab chat` commands as a user runs them: host, then two joins — one piping lines in, one printing
// what arrives as JSON — and usage errors with their exit codes.
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './helpers';

const CLI = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'index.ts');

function wirelab(args: string[]): {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number>;
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, WIRELAB_CLI_MAIN: '1' },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => proc.once('exit', (code) => r(code ?? -1)));
  onTestFinished(() => {
    proc.kill('SIGKILL');
  });
  return { proc, out: () => out, err: () => err, exited };
}

async function until(pred: () => boolean, ms: number, what: string, detail: () => string): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`timeout waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('wirelab chat (CLI)', () => {
  it('host, join with piped lines, a JSON listener receives room and private messages', async () => {
    const dir = tempDir();
    const host = wirelab([
      'chat',
      'host',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--name',
      'cli-test',
      '--no-discovery',
      '--data-dir',
      join(dir, 'h'),
      '--json',
    ]);
    await until(
      () => host.out().includes('"listening"'),
      30_000,
      'host listening',
      () => host.out() + host.err(),
    );
    const port = (
      JSON.parse(
        host
          .out()
          .split('\n')
          .find((l) => l.includes('"listening"'))!,
      ) as { port: number }
    ).port;

    const bob = wirelab([
      'chat',
      'join',
      `127.0.0.1:${port}`,
      '--nick',
      'bob',
      '--data-dir',
      join(dir, 'b'),
      '--json',
    ]);
    await until(
      () => bob.out().includes('"joined"'),
      30_000,
      'bob joined',
      () => bob.out() + bob.err(),
    );

    const alice = wirelab([
      'chat',
      'join',
      `127.0.0.1:${port}`,
      '--nick',
      'alice',
      '--data-dir',
      join(dir, 'a'),
    ]);
    alice.proc.stdin.end('hello from the CLI\n/msg bob just for you\n');
    expect(await alice.exited).toBe(0);

    await until(
      () => bob.out().includes('just for you'),
      15_000,
      'bob receiving',
      () => bob.out() + bob.err(),
    );
    const msgs = bob
      .out()
      .split('\n')
      .filter((l) => l.includes('"type":"message"'))
      .map((l) => JSON.parse(l) as { from: string; text: string; room?: string; peer?: string });
    expect(msgs).toEqual([
      expect.objectContaining({ from: 'alice', text: 'hello from the CLI', room: 'lobby' }),
      expect.objectContaining({ from: 'alice', text: 'just for you', peer: 'alice' }),
    ]);
    bob.proc.stdin.end();
    expect(await bob.exited).toBe(0);
    host.proc.kill('SIGINT');
    expect(await host.exited).toBe(0);
    expect(host.out()).toContain('"type":"connected"');
  }, 90_000);

  it('usage errors exit 2; an unreachable server exits 1 with its code', async () => {
    const bad = wirelab(['chat', 'join', 'not-an-address', '--no-discovery']);
    expect(await bad.exited).toBe(2);
    const refused = wirelab([
      'chat',
      'join',
      '127.0.0.1:1',
      '--nick',
      'x',
      '--data-dir',
      tempDir(),
      '--json',
    ]);
    expect(await refused.exited).toBe(1);
    expect(refused.out()).toContain('CONNECTION_REFUSED');
  }, 60_000);
});
