// The `wirelab chat` commands as a user runs them: host, then two joins — one piping lines in, one printing
// what arrives as JSON — and usage errors with their exit codes.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startCli } from '../../helpers/cli';
import { tempDir } from './helpers';

/** The command run in process (tests/helpers/cli.ts), under the names this file uses. */
function wirelab(args: string[]) {
  const run = startCli(['chat', ...args]);
  return { ...run, exited: run.exit };
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
      10_000,
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
      10_000,
      'bob joined',
      () => bob.out() + bob.err(),
    );

    const alice = wirelab(['join', `127.0.0.1:${port}`, '--nick', 'alice', '--data-dir', join(dir, 'a')]);
    alice.stdin.end('hello from the CLI\n/msg bob just for you\n');
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
    bob.stdin.end();
    expect(await bob.exited).toBe(0);
    host.interrupt();
    expect(await host.exited).toBe(0);
    expect(host.out()).toContain('"type":"connected"');
  });

  it('usage errors exit 2; an unreachable server exits 1 with its code', async () => {
    const bad = wirelab(['join', 'not-an-address', '--no-discovery']);
    expect(await bad.exited).toBe(2);
    const refused = wirelab(['join', '127.0.0.1:1', '--nick', 'x', '--data-dir', tempDir(), '--json']);
    expect(await refused.exited).toBe(1);
    expect(refused.out()).toContain('CONNECTION_REFUSED');
  });
});
