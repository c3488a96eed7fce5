// `wirelab udp listen|send` in-process with a captured Io, plus the exit codes of bad input in a child.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { udpListen, udpSend } from '../../../src/cli/commands/udp';
import { commonOptions, type Command, type Io } from '../../../src/cli/framework';
import { waitFor } from '../../helpers/net';

type Line = { human: string; record?: Record<string, unknown> };

function run(cmd: Command, argv: string[]) {
  const lines: Line[] = [];
  let interrupt = () => {};
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const io: Io = {
    json: argv.includes('--json'),
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
  return { lines, done, interrupt };
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      { cwd: ROOT, env: { ...process.env, WIRELAB_CLI_MAIN: '1' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('wirelab udp CLI', () => {
  it('listen --reply answers the seed\'s "Hello, UDP Server!" with "Message received" (IPv4 and IPv6)', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const srv = run(udpListen, ['0', '--host', host, '--reply', 'Message received', '--json']);
      const listening = await waitFor(() => srv.lines.find((l) => l.record?.type === 'listening'));
      const port = String(listening.record!.port);
      const c = run(udpSend, [host, port, 'Hello, UDP Server!', '--wait', '300', '--json']);
      await c.done;
      expect(c.lines.find((l) => l.record?.type === 'sent')?.record).toMatchObject({ bytes: 18 });
      expect(c.lines.find((l) => l.record?.type === 'datagram')?.record).toMatchObject({
        text: 'Message received',
      });
      const got = await waitFor(() => srv.lines.find((l) => l.record?.type === 'datagram'));
      expect(got.record).toMatchObject({ text: 'Hello, UDP Server!', answered: 'reply', bytes: 18 });
      srv.interrupt();
      expect(await srv.done).toBe(0);
    }
  });

  it('listen --echo and send --hex: bytes come back unchanged', async () => {
    const srv = run(udpListen, ['0', '--echo']);
    const listening = await waitFor(() => srv.lines.find((l) => l.human.startsWith('listening on')));
    const port = /:(\d+) /.exec(listening.human)![1]!;
    const c = run(udpSend, ['127.0.0.1', port, '--hex', 'de ad be ef', '--wait', '300']);
    await c.done;
    expect(c.lines.some((l) => /4 B: de ad be ef/.test(l.human))).toBe(true);
    expect(c.lines.at(-1)?.human).toBe('1 answer');
    srv.interrupt();
    await srv.done;
  });

  it('bad input exits 2 with the code: malformed hex, port out of range, invalid group', async () => {
    const hex = await cli(['udp', 'send', '127.0.0.1', '9', '--hex', 'xyz', '--wait', '0']);
    expect(hex.code).toBe(2);
    expect(hex.stderr).toContain('INVALID_HEX');
    const port = await cli(['udp', 'send', '127.0.0.1', '70000', 'x']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('PORT_OUT_OF_RANGE');
    const group = await cli(['udp', 'listen', '0', '--join', '10.0.0.1']);
    expect(group.code).toBe(1);
    expect(group.stderr).toContain('INVALID_MULTICAST_GROUP');
    const big = await cli(['udp', 'send', '127.0.0.1', '9', 'A'.repeat(65_508), '--wait', '0']);
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('DATAGRAM_TOO_LARGE');
  }, 60_000);
});
