// Exit statuses that hold for every command: Ctrl+C during work → 130; with --json a usage error is a
// JSON line too.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { cli, jsonLines, startCli } from '../../helpers/cli';

describe('wirelab exit statuses', () => {
  it('a request cut short by Ctrl+C exits 130', async () => {
    const sockets: Socket[] = [];
    let accepted = () => {};
    const got = new Promise<void>((r) => (accepted = r));
    // Accepts and never answers.
    const srv = createServer((s) => {
      sockets.push(s);
      accepted();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onTestFinished(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    });
    const port = (srv.address() as { port: number }).port;
    const run = startCli(['http', 'request', `http://127.0.0.1:${port}/`]);
    await got;
    run.interrupt();
    expect(await run.exit).toBe(130);
    expect(run.err()).toContain('CANCELLED');
  });

  it('--json: usage errors are a JSON error line as well (exit 2)', async () => {
    const unknownOption = await cli(['tcp', 'send', '127.0.0.1', '9', '--frobnicate', '--json']);
    expect(unknownOption.code).toBe(2);
    expect(jsonLines(unknownOption.out)).toEqual([
      expect.objectContaining({ type: 'error', code: 'INVALID_INPUT' }),
    ]);
    const missing = await cli(['udp', 'send', '127.0.0.1', '--json']);
    expect(missing.code).toBe(2);
    expect(jsonLines(missing.out)[0]).toMatchObject({ type: 'error', code: 'INVALID_INPUT' });
  });
});
