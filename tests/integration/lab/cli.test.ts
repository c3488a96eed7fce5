import { describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import { labTcpVsUdp } from '../../../src/cli/commands/lab';
import { commonOptions, type Io } from '../../../src/cli/framework';

function run(argv: string[]) {
  const lines: { human: string; record?: Record<string, unknown> }[] = [];
  const io: Io = {
    json: argv.includes('--json'),
    interrupted: new Promise(() => undefined),
    stdin: process.stdin,
    stdout: process.stdout,
    out: (human, record) => lines.push({ human, record }),
    err: (m) => lines.push({ human: `ERR ${m}` }),
  };
  const parsed = parseArgs({
    args: argv,
    options: { ...commonOptions, ...labTcpVsUdp.options },
    allowPositionals: true,
    strict: true,
  });
  return { lines, done: labTcpVsUdp.run(parsed as never, io) };
}

describe('wirelab lab tcp-vs-udp', () => {
  it('--json prints one result with both columns and the explanations', async () => {
    const r = run([
      '--loss',
      '10',
      '--count',
      '300',
      '--rate',
      '3000',
      '--delay',
      '1',
      '--rto',
      '30',
      '--pause',
      '0',
      '--json',
    ]);
    expect(await r.done).toBe(0);
    expect(r.lines).toHaveLength(1);
    const rec = r.lines[0]!.record as {
      tcp: { delivered: number };
      udp: { lost: number };
      explanations: Record<string, unknown>;
    };
    expect(rec.tcp.delivered).toBe(300);
    expect(rec.udp.lost).toBeGreaterThan(5);
    expect(Object.keys(rec.explanations)).toContain('handshake');
  });

  it('prints a side-by-side table in human mode; bad numbers are coded errors', async () => {
    const r = run([
      '--count',
      '50',
      '--rate',
      '5000',
      '--delay',
      '0',
      '--loss',
      '0',
      '--dup',
      '0',
      '--reorder',
      '0',
      '--pause',
      '0',
      // Room for every datagram even when a busy machine keeps the receiver from reading for a while.
      '--rcvbuf',
      '262144',
    ]);
    expect(await r.done).toBe(0);
    const text = r.lines.map((l) => l.human).join('\n');
    // The app's words: row labels and cells from the shared contract, each column's source named.
    expect(text).toMatch(/Delivered\s+50 \/ 50\s+50 \/ 50/);
    expect(text).toMatch(/TCP \(modelled\)\s+UDP \(measured\)/);
    expect(text).toContain('Out of order');
    expect(text).toContain('Flow control');
    expect(text).toContain('connection-oriented vs connectionless');
    expect(text).not.toMatch(/outOfOrder|flowControl|handshakeMs/);
    await expect(run(['--loss', 'lots']).done).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(run(['--loss', '90']).done).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(run(['--tcp', 'netem']).done).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
