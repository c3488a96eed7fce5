// `wirelab udp listen|send` run in process (tests/helpers/cli.ts) over real sockets: replies, echo,
// payloads from a file and stdin, and the exit codes of bad input.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, jsonLines, startCli } from '../../helpers/cli';

/** A UDP socket that records the first datagram it receives. */
async function sink(): Promise<{ port: number; first: Promise<Buffer> }> {
  const s = createSocket('udp4');
  onTestFinished(() => new Promise<void>((r) => s.close(() => r())));
  const first = new Promise<Buffer>((r) => s.once('message', (m) => r(m)));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, first };
}

describe('wirelab udp CLI', () => {
  it('listen --reply answers "Hello, UDP Server!" with "Message received" (IPv4 and IPv6)', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const srv = startCli(['udp', 'listen', '0', '--host', host, '--reply', 'Message received', '--json']);
      const port = (await srv.waitOut(/"type":"listening".*"port":(\d+)/))[1]!;
      // --answers 1 ends the wait when the reply is in; the wait itself is longer than the test may take.
      const c = await cli([
        'udp',
        'send',
        host,
        port,
        'Hello, UDP Server!',
        ...['--wait', '600000', '--answers', '1', '--json'],
      ]);
      expect(c.code).toBe(0);
      const lines = jsonLines(c.out);
      expect(lines.find((l) => l.type === 'sent')).toMatchObject({ bytes: 18 });
      expect(lines.find((l) => l.type === 'datagram')).toMatchObject({ text: 'Message received' });
      await srv.waitOut(/"type":"datagram"/);
      expect(jsonLines(srv.out()).find((l) => l.type === 'datagram')).toMatchObject({
        text: 'Hello, UDP Server!',
        answered: 'reply',
        bytes: 18,
      });
      srv.interrupt();
      expect(await srv.exit).toBe(0);
    }
  });

  it('listen --echo and send --hex: bytes come back unchanged', async () => {
    const srv = startCli(['udp', 'listen', '0', '--echo']);
    const port = (await srv.waitOut(/listening on 127\.0\.0\.1:(\d+) /))[1]!;
    const c = await cli([
      'udp',
      'send',
      '127.0.0.1',
      port,
      '--hex',
      'de ad be ef',
      '--wait',
      '600000',
      '--answers',
      '1',
    ]);
    expect(c.out).toMatch(/4 B: de ad be ef/);
    expect(c.out.trim().split('\n').at(-1)).toBe('1 answer');
    const zero = await cli(['udp', 'send', '127.0.0.1', port, 'x', '--answers', '0']);
    expect({ code: zero.code, err: zero.err }).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--answers/),
    });
  });

  it('send --file and -: one datagram with the exact bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-udp-cli-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x5c, 0x71, 10]);
    writeFileSync(join(dir, 'd'), bytes);
    const a = await sink();
    const f = await cli([
      'udp',
      'send',
      '127.0.0.1',
      String(a.port),
      '--file',
      join(dir, 'd'),
      '--wait',
      '0',
    ]);
    expect(f.code).toBe(0);
    expect((await a.first).equals(bytes)).toBe(true);
    // Stdin is sent as it is: a backslash is a byte, not the start of an escape.
    const b = await sink();
    const s = await cli(['udp', 'send', '127.0.0.1', String(b.port), '-', '--wait', '0'], { input: 'a\\qb' });
    expect(s.code).toBe(0);
    expect((await b.first).toString()).toBe('a\\qb');
  });

  it('bad input exits 2 with the code: bad escape, malformed hex, port, group, TTL, datagram too large', async () => {
    const cases: [string[], string][] = [
      [['udp', 'send', '127.0.0.1', '9', 'bad\\q', '--wait', '0'], 'INVALID_ESCAPE'],
      [['udp', 'send', '127.0.0.1', '9', '--hex', 'xyz', '--wait', '0'], 'INVALID_HEX'],
      [['udp', 'send', '127.0.0.1', '70000', 'x'], 'PORT_OUT_OF_RANGE'],
      [['udp', 'send', '127.0.0.1', '9', 'x', '--ttl', '300', '--wait', '0'], 'INVALID_INPUT'],
      [['udp', 'listen', '0', '--join', '10.0.0.1'], 'INVALID_MULTICAST_GROUP'],
      [['udp', 'send', '127.0.0.1', '9', 'A'.repeat(65_508), '--wait', '0'], 'DATAGRAM_TOO_LARGE'],
    ];
    for (const [argv, code] of cases) {
      const r = await cli(argv);
      expect({ argv: argv.join(' ').slice(0, 60), code: r.code, err: r.err.includes(code) }).toEqual({
        argv: argv.join(' ').slice(0, 60),
        code: 2,
        err: true,
      });
    }
  });
});
