// The `wirelab ws` commands over real sockets on 127.0.0.1, run in process (tests/helpers/cli.ts):
// serve --echo/--broadcast against connect --send, --json records, close codes and exit codes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocketServer } from 'ws';
import { cli, jsonLines, startCli } from '../../helpers/cli';

async function serve(args: string[]): Promise<number> {
  const run = startCli(['ws', 'serve', '--port', '0', ...args, '--json']);
  onTestFinished(() => run.interrupt());
  const m = await run.waitOut(/"type":"listening".*"port":(\d+)/);
  return Number(m[1]);
}

describe('wirelab ws', () => {
  it('serve --echo answers connect --send, in order, text and binary, with --json records', async () => {
    const port = await serve(['--echo']);
    const r = await cli([
      'ws',
      'connect',
      `ws://127.0.0.1:${port}/`,
      '--send',
      'hello',
      '--send',
      'world',
      '--send-hex',
      'de ad',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.out);
    expect(lines[0]).toMatchObject({ type: 'connected', protocol: '' });
    const received = lines.filter((l) => l.type === 'message');
    expect(received.map((l) => l.text ?? l.hex)).toEqual(['hello', 'world', 'dead']);
    expect(received.map((l) => l.kind)).toEqual(['text', 'text', 'binary']);
    expect(lines.at(-1)).toMatchObject({ type: 'closed', code: 1000, by: 'local' });
  });

  it('serve --broadcast reaches a second client; human output', async () => {
    const port = await serve(['--broadcast']);
    const listener = startCli(['ws', 'connect', `ws://127.0.0.1:${port}/`, '--wait', '0']);
    onTestFinished(() => listener.interrupt());
    await listener.waitOut(/^connected/m);
    const r = await cli(['ws', 'connect', `ws://127.0.0.1:${port}/`, '--send', 'to everyone']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('< to everyone');
    await listener.waitOut(/^< to everyone$/m);
    listener.interrupt();
    expect(await listener.exit).toBe(0);
    expect(listener.out()).toMatch(/^closed 1000$/m);
  });

  it('offers subprotocols, sends headers and a chosen close code; reports the server closing', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'v2' });
    onTestFinished(() => new Promise<void>((r) => wss.close(() => r())));
    await new Promise((r) => wss.once('listening', r));
    let header = '';
    let closeCode = 0;
    wss.on('connection', (s, req) => {
      header = String(req.headers.authorization);
      s.on('close', (code) => (closeCode = code));
      s.on('message', (d) => {
        if (String(d) === 'bye') s.close(4002, 'as asked');
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    const a = await cli([
      'ws',
      'connect',
      url,
      '--protocol',
      'v1',
      '--protocol',
      'v2',
      '--header',
      'Authorization: Bearer t',
      '--send',
      'x',
      '--wait',
      '10',
      '--close-code',
      '4100',
      '--close-reason',
      'done',
    ]);
    expect(a.code).toBe(0);
    expect(a.out).toContain('(protocol v2)');
    expect(header).toBe('Bearer t');
    await new Promise((r) => setTimeout(r, 50));
    expect(closeCode).toBe(4100);

    const b = await cli(['ws', 'connect', url, '--send', 'bye', '--wait', '5000', '--json']);
    expect(jsonLines(b.out).at(-1)).toMatchObject({
      type: 'closed',
      code: 4002,
      reason: 'as asked',
      by: 'remote',
    });
  });

  it('exit 2 for bad input (URL, close code, header, hex), 1 for refused and failed handshakes', async () => {
    expect((await cli(['ws', 'connect', 'ftp://x/'])).code).toBe(2);
    const badCode = await cli(['ws', 'connect', 'ws://127.0.0.1:1/', '--close-code', '1005']);
    expect(badCode.code).toBe(2);
    expect(badCode.err).toContain('WS_INVALID_CLOSE_CODE');
    expect((await cli(['ws', 'connect', 'ws://127.0.0.1:1/', '--header', 'nocolon'])).code).toBe(2);
    expect((await cli(['ws', 'connect', 'ws://127.0.0.1:1/', '--send-hex', 'zz'])).code).toBe(2);
    expect((await cli(['ws', 'serve'])).code).toBe(2);

    const plain = http.createServer((_q, r) => r.writeHead(403).end());
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as AddressInfo).port;
    const hs = await cli(['ws', 'connect', `ws://127.0.0.1:${port}/`, '--json']);
    expect(hs.code).toBe(1);
    expect(jsonLines(hs.out)[0]).toMatchObject({ type: 'error', code: 'WS_HANDSHAKE_FAILED' });
    await new Promise<void>((r) => plain.close(() => r()));
    const refused = await cli(['ws', 'connect', `ws://127.0.0.1:${port}/`]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('CONNECTION_REFUSED');
  });
});
