// The `wirelab tcp` commands over real sockets, run in process (tests/helpers/cli.ts): listen / send,
// payloads from a file and stdin, --json, exit codes, --help.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PAYLOAD_CHARS } from '../../../src/shared/contract/common';
import { cli, jsonLines, startCli } from '../../helpers/cli';
import { collect, rawConnect } from '../../helpers/net';

/** A TCP server that records every byte it receives; resolves each connection's bytes at close. */
async function sink(): Promise<{ port: number; received: () => Promise<Buffer> }> {
  const got: Promise<Buffer>[] = [];
  let notify = () => {};
  const srv = createServer((s: Socket) => {
    const chunks: Buffer[] = [];
    got.push(
      new Promise((r) => {
        s.on('data', (d: Buffer) => chunks.push(d));
        s.on('end', () => {
          s.end();
          r(Buffer.concat(chunks));
        });
        s.on('error', () => r(Buffer.concat(chunks)));
      }),
    );
    notify();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
  const port = (srv.address() as { port: number }).port;
  return {
    port,
    async received() {
      if (!got.length) await new Promise<void>((r) => (notify = r));
      return got[0]!;
    },
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('wirelab tcp', () => {
  it('listen --welcome --json: prints the port, greets a client, reports its data', async () => {
    const c = startCli(['tcp', 'listen', '0', '--welcome', 'Welcome to the server!', '--json']);
    const m = await c.waitOut(/"type":"listening".*"port":(\d+)/);
    const sock = await rawConnect(Number(m[1]));
    await collect(sock).until((t) => t === 'Welcome to the server!');
    sock.write('Hello, TCP Server!');
    await c.waitOut(/"type":"data".*"text":"Hello, TCP Server!"/);
    sock.destroy();
    await c.waitOut(/"type":"closed"/);
    c.interrupt();
    expect(await c.exit).toBe(0);
    expect(() => jsonLines(c.out())).not.toThrow();
  });

  it('send: text and hex to an echo listener, prints the reply', async () => {
    const l = startCli(['tcp', 'listen', '0', '--echo']);
    const port = (await l.waitOut(/listening on 127\.0\.0\.1:(\d+)/))[1]!;
    // --bytes ends the read when the echo is complete; the wait itself is longer than the test may take.
    const s = await cli([
      'tcp',
      'send',
      '127.0.0.1',
      port,
      'Hello, TCP Server!',
      '--wait',
      '600000',
      '--bytes',
      '18',
    ]);
    expect(s.code).toBe(0);
    expect(s.out).toContain('Hello, TCP Server!');
    const h = await cli([
      'tcp',
      'send',
      '127.0.0.1',
      port,
      '--hex',
      '48 69',
      '--wait',
      '600000',
      '--bytes',
      '2',
      '--json',
    ]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/"hex":"48 69"/);
    // The listener keeps the connection open: the sender closes it once --bytes are in.
    expect(jsonLines(h.out).at(-1)).toEqual({ type: 'closed', byPeer: false });
    const zero = await cli(['tcp', 'send', '127.0.0.1', port, 'x', '--bytes', '0']);
    expect({ code: zero.code, err: zero.err }).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--bytes/),
    });
  });

  it('send --file and -: the bytes arrive unchanged (UTF-8 text and binary)', async () => {
    const dir = tempDir();
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 256));
    writeFileSync(join(dir, 'bin'), binary);
    const a = await sink();
    const f = await cli([
      'tcp',
      'send',
      '127.0.0.1',
      String(a.port),
      '--file',
      join(dir, 'bin'),
      '--wait',
      '0',
    ]);
    expect(f.code).toBe(0);
    expect(f.out).toContain('sent 3000 bytes');
    expect((await a.received()).equals(binary)).toBe(true);

    const text = 'grüße\r\nline two\n';
    const b = await sink();
    const s = await cli(['tcp', 'send', '127.0.0.1', String(b.port), '-', '--wait', '0'], { input: text });
    expect(s.code).toBe(0);
    expect((await b.received()).toString('utf8')).toBe(text);
  });

  it('a payload over the cap is LIMIT_EXCEEDED, exit 2, before connecting; a missing file exits 1', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_PAYLOAD_CHARS + 1, 0x41));
    const port = await closedPort();
    const big = await cli(['tcp', 'send', '127.0.0.1', String(port), '--file', join(dir, 'big')]);
    expect(big.code).toBe(2);
    expect(big.err).toContain('LIMIT_EXCEEDED');
    expect(big.err).not.toContain('CONNECTION_REFUSED');
    const stdin = await cli(['tcp', 'send', '127.0.0.1', String(port), '-', '--json'], {
      input: Buffer.alloc(MAX_PAYLOAD_CHARS + 1, 0x42),
    });
    expect(stdin.code).toBe(2);
    expect(jsonLines(stdin.out).at(-1)).toMatchObject({ type: 'error', code: 'LIMIT_EXCEEDED' });
    const missing = await cli(['tcp', 'send', '127.0.0.1', String(port), '--file', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('FILE_UNREADABLE');
  });

  it('exit codes: refused → 1 with the code; bad port / bad hex / two payloads → 2; unknown command → 2', async () => {
    const port = await closedPort();
    const refused = await cli(['tcp', 'send', '127.0.0.1', String(port), 'x']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('CONNECTION_REFUSED');
    const badPort = await cli(['tcp', 'send', '127.0.0.1', '70000', 'x']);
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain('PORT_OUT_OF_RANGE');
    const badHex = await cli(['tcp', 'send', '127.0.0.1', String(port), '--hex', 'zz']);
    expect(badHex.code).toBe(2);
    expect(badHex.err).toContain('INVALID_HEX');
    const two = await cli(['tcp', 'send', '127.0.0.1', String(port), 'x', '--file', '/dev/null']);
    expect(two.code).toBe(2);
    const badMax = await cli(['tcp', 'listen', '0', '--max-clients', '0']);
    expect(badMax.code).toBe(2);
    expect(badMax.err).toContain('INVALID_INPUT');
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('--help on every command', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('tcp listen');
    for (const path of [['tcp', 'listen'], ['tcp', 'send'], ['serve']]) {
      const h = await cli([...path, '--help']);
      expect(h.code).toBe(0);
      expect(h.out).toContain(`wirelab ${path.join(' ')}`);
    }
  });
});
