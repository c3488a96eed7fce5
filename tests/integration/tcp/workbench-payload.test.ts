// The TCP workbench decodes payloads with the decoder every socket tool shares: \XX escapes (\r\n
// included) for sends and for the welcome, and the same coded errors.
import { afterEach, describe, expect, it } from 'vitest';
import { TcpWorkbench } from '../../../src/main/engines/tcp/workbench';
import { tcpContract } from '../../../src/shared/contract/tcp';
import { collect, rawConnect } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workbench(): TcpWorkbench {
  const w = new TcpWorkbench();
  cleanups.push(() => w.close());
  return w;
}

describe('TCP workbench payloads', () => {
  it('sends an escaped welcome ending in \\r\\n as CR LF bytes, and an escaped send as the same bytes', async () => {
    const w = workbench();
    const info = await w.serverStart(
      tcpContract.serverStart.input.parse({
        port: 0,
        welcome: '220 ready\\r\\n',
        welcomeEncoding: 'escaped',
      }),
    );
    expect(info.welcome).toBe('220 ready\r\n');
    const c = await rawConnect(info.port);
    cleanups.push(() => c.destroy());
    const got = collect(c);
    expect(await got.until((t) => t.endsWith('\r\n'))).toBe('220 ready\r\n');
    w.serverSend(
      tcpContract.serverSend.input.parse({
        session: info.session,
        data: 'PING\\0D\\0A',
        encoding: 'escaped',
      }),
    );
    expect(await got.until((t) => t.endsWith('PING\r\n'))).toBe('220 ready\r\nPING\r\n');
  });

  it('changes the welcome of a running server with its line ending, and refuses a bad escape with INVALID_ESCAPE', async () => {
    const w = workbench();
    const info = await w.serverStart(tcpContract.serverStart.input.parse({ port: 0 }));
    const next = w.serverSetOptions(
      tcpContract.serverSetOptions.input.parse({
        session: info.session,
        welcome: 'hi\\n',
        welcomeEncoding: 'escaped',
      }),
    );
    expect(next.welcome).toBe('hi\n');
    expect(next.echo).toBe(false);
    expect(() =>
      w.serverSend(
        tcpContract.serverSend.input.parse({ session: info.session, data: 'bad \\q', encoding: 'escaped' }),
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ESCAPE' }));
  });
});
