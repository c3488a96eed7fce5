// The `wirelab` program itself, as a child process: the entry runs the command, Ctrl+C ends a listener
// cleanly, and the exit status reaches the shell. Everything else is tested in process (helpers/cli.ts).
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bundled } from '../../helpers/bundle';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function program(args: string[]) {
  // The entry as one bundle, like the built out/main/cli.js that bin/wirelab.mjs runs.
  const child = spawn(process.execPath, [bundled('src/cli/index.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, WIRELAB_CLI_MAIN: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return { child, out: () => out, err: () => err, exit };
}

describe('the wirelab program', () => {
  it('tcp listen prints its port; SIGINT ends it with status 0', async () => {
    const p = program(['tcp', 'listen', '0', '--json']);
    for (let i = 0; i < 6000 && !p.out().includes('"listening"'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(p.out()).toMatch(/"type":"listening".*"port":\d+/);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('bad input reaches the shell as status 2 with the code on stderr', async () => {
    const p = program(['udp', 'send', '127.0.0.1', '9', 'bad\\q']);
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain('INVALID_ESCAPE');
  });
});
