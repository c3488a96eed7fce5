// The Electron IPC layer without Electron: a fake ipcMain records the handlers registerIpc installs.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { registerIpc } from '../../../src/main/ipc/register';
import { createServices, type Services } from '../../../src/main/services';
import { listChannels, contract } from '../../../src/shared/contract';

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(): { handlers: Map<string, Handler>; services: Services } {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-ipc-'));
  const services = createServices({ dataDir: dir, shell: 'electron', version: 't', chatDiscovery: false });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => services.close());
  const handlers = new Map<string, Handler>();
  const fake = {
    handle: (ch: string, h: Handler) => handlers.set(ch, h),
    removeHandler: (ch: string) => handlers.delete(ch),
  } as unknown as IpcMain;
  const unregister = registerIpc(fake, services.dispatcher);
  cleanups.push(unregister);
  return { handlers, services };
}

const frame = (url: string, parent: unknown = null) =>
  ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

describe('IPC', () => {
  it('registers exactly one handler per contract channel', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(listChannels(contract).sort());
  });

  it('answers the app frame, validates input, refuses other frames', async () => {
    const { handlers } = setup();
    const list = handlers.get('tcp.list')!;
    expect(await list(frame('app://wirelab/index.html'), {})).toMatchObject({ ok: true });
    expect(await list(frame('https://evil.example/'), {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER' },
    });
    expect(await list(frame('app://wirelab/index.html', {}), {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER' },
    });
    const start = handlers.get('tcp.serverStart')!;
    expect(await start(frame('app://wirelab/index.html'), { port: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
  });
});
