// src/main/index.ts run for real against a recording stand-in for the `electron` module: the app://
// handler, window options, one IPC handler per contract channel (answered by a real engine host run
// in process over a stand-in MessageChannel), navigation and window.open refused except the chat
// window, permissions, credit-acknowledged event batches, and the utility process forked with its port.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract, listChannels, EVENTS_ACK_CHANNEL, EVENTS_CHANNEL } from '../../../src/shared/contract';
import { mainWindowOptions } from '../../../src/main/app/electron-policy';

const rec = vi.hoisted(() => {
  const state = {
    dataDir: '',
    handlers: new Map<string, (event: unknown, input: unknown) => Promise<unknown>>(),
    listeners: new Map<string, (event: unknown, ...args: unknown[]) => void>(),
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    windows: [] as { options: Record<string, unknown>; contents: unknown; loaded: string[] }[],
    forks: [] as {
      path: string;
      args: string[];
      options: unknown;
      transfers: unknown[][];
      messages: unknown[];
    }[],
    permissionRequest: undefined as undefined | ((...a: unknown[]) => void),
    permissionCheck: undefined as undefined | ((...a: unknown[]) => boolean),
    opened: [] as string[],
    ready: undefined as undefined | Promise<void>,
    readyResolve: undefined as undefined | (() => void),
  };
  state.ready = new Promise<void>((r) => (state.readyResolve = r));
  return state;
});

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const fs = await import('node:fs');
  const { fileURLToPath: toPath } = await import('node:url');
  const { runEngineHost: run } = await import('../../../src/main/host/engine-host');

  class FakePort extends Emitter {
    other?: FakePort;
    started = false;
    postMessage(data: unknown) {
      const to = this.other!;
      const copy = structuredClone(data);
      setImmediate(() => to.emit('message', { data: copy, ports: [] }));
    }
    start() {
      this.started = true;
    }
    close() {}
  }
  let nextId = 1;
  class FakeContents extends Emitter {
    id = nextId++;
    sent: [string, unknown][] = [];
    openHandler?: (d: { url: string }) => unknown;
    url = 'app://wirelab/index.html';
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    isDestroyed() {
      return false;
    }
    setWindowOpenHandler(h: (d: { url: string }) => unknown) {
      this.openHandler = h;
    }
    getURL() {
      return this.url;
    }
  }
  class BrowserWindow extends Emitter {
    webContents = new FakeContents();
    loaded: string[] = [];
    constructor(options: Record<string, unknown>) {
      super();
      rec.windows.push({ options, contents: this.webContents, loaded: this.loaded });
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    show() {}
    isMinimized() {
      return false;
    }
  }
  const ipcMain = {
    handle: (ch: string, h: (e: unknown, i: unknown) => Promise<unknown>) => rec.handlers.set(ch, h),
    removeHandler: (ch: string) => rec.handlers.delete(ch),
    on: (ch: string, l: (e: unknown, ...a: unknown[]) => void) => rec.listeners.set(ch, l),
    removeListener: (ch: string) => rec.listeners.delete(ch),
  };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    getPath: () => rec.dataDir,
    getVersion: () => '9.9.9-test',
    quit: () => undefined,
    exit: () => undefined,
  });
  return {
    app,
    BrowserWindow,
    ipcMain,
    nativeTheme: { shouldUseDarkColors: false },
    net: {
      fetch: async (url: string) => new Response(fs.readFileSync(toPath(url)), { status: 200 }),
    },
    protocol: {
      registerSchemesAsPrivileged: () => undefined,
      handle: (scheme: string, h: (r: Request) => Promise<Response>) => rec.protocolHandlers.set(scheme, h),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: (...a: unknown[]) => void) => (rec.permissionRequest = h),
        setPermissionCheckHandler: (h: (...a: unknown[]) => boolean) => (rec.permissionCheck = h),
      },
    },
    shell: { openExternal: async (url: string) => void rec.opened.push(url) },
    MessageChannelMain: class {
      port1 = new FakePort();
      port2 = new FakePort();
      constructor() {
        this.port1.other = this.port2;
        this.port2.other = this.port1;
      }
    },
    utilityProcess: {
      fork(path: string, args: string[], options: unknown) {
        const child = Object.assign(new Emitter(), {
          pid: 4242,
          kill: () => true,
          postMessage(message: unknown, transfer: FakePort[] = []) {
            fork.messages.push(message);
            fork.transfers.push(transfer);
            // Play the utility process: the real engine host, in this process, on the handed-over port.
            const port = transfer[0]!;
            const hostRun = run({
              post: (m) => port.postMessage(m),
              onMessage: (l) => port.on('message', (e: { data: unknown }) => l(e.data)),
            });
            void hostRun.closed;
            rec.readyResolve?.();
          },
        });
        const fork = { path, args, options, transfers: [] as unknown[][], messages: [] as unknown[] };
        rec.forks.push(fork);
        return child;
      },
    },
  };
});

const here = fileURLToPath(new URL('.', import.meta.url));
let contents: EventEmitter & {
  sent: [string, unknown][];
  openHandler?: (d: { url: string }) => { action: string };
  id: number;
};

// Generous: the import compiles and loads the whole main-process graph, which took over 30 s on a
// two-core machine running other test lanes; the window appears as soon as the app is ready.
beforeAll(async () => {
  rec.dataDir = mkdtempSync(join(tmpdir(), 'wirelab-electron-main-'));
  await import('../../../src/main/index');
  const deadline = Date.now() + 60_000;
  while (rec.windows.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  contents = rec.windows[0]!.contents as typeof contents;
}, 180_000);

afterAll(async () => {
  const { app } = await import('electron');
  app.emit('window-all-closed');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(rec.dataDir, { recursive: true, force: true });
});

const appFrame = { senderFrame: { url: 'app://wirelab/index.html', parent: null } };

describe('Electron main (src/main/index.ts) against a stand-in electron', () => {
  it('forks the engine host as a utility process and hands it its port', () => {
    expect(rec.forks).toHaveLength(1);
    const fork = rec.forks[0]!;
    expect(fork.path).toBe(join(here, '..', '..', '..', 'src', 'main', 'host.js'));
    expect(fork.options).toMatchObject({ serviceName: 'Wirelab engines' });
    expect(fork.messages[0]).toEqual({ t: 'port' });
    expect(fork.transfers[0]).toHaveLength(1);
  });

  it('app:// answers the index, refuses traversal, other hosts and unknown paths', async () => {
    const serve = rec.protocolHandlers.get('app')!;
    const index = await serve(new Request('app://wirelab/index.html'));
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(
      readFileSync(join(here, '..', '..', '..', 'src', 'renderer', 'index.html'), 'utf8'),
    );
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await serve(new Request('app://wirelab/'))).status).toBe(200);
    // Encoded separators reach the resolver and are refused; dot segments the URL parser already
    // folded away stay inside the renderer folder (where there is no package.json).
    for (const path of [
      '/..%2f..%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2f..%2fpackage.json',
    ])
      expect((await serve(new Request(`app://wirelab${path}`))).status).toBe(403);
    expect((await serve(new Request('app://wirelab/%2e%2e/%2e%2e/package.json'))).status).toBe(404);
    expect((await serve(new Request('app://other/index.html'))).status).toBe(403);
    expect((await serve(new Request('app://wirelab/nope.js'))).status).toBe(404);
  });

  it("windows get the policy's webPreferences and load the app URL", () => {
    const win = rec.windows[0]!;
    expect(win.options.webPreferences).toEqual(
      mainWindowOptions(join(here, '..', '..', '..', 'src', 'preload', 'index.cjs'), false).webPreferences,
    );
    expect(win.loaded).toEqual(['app://wirelab/index.html']);
  });

  it('every contract channel gets a handler, answered by the engine host; other frames are refused', async () => {
    expect([...rec.handlers.keys()].sort()).toEqual(listChannels(contract).sort());
    expect(await rec.handlers.get('app.info')!(appFrame, {})).toMatchObject({
      ok: true,
      value: { shell: 'electron', version: '9.9.9-test' },
    });
    expect(await rec.handlers.get('tcp.serverStart')!(appFrame, { port: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(
      await rec.handlers.get('tcp.list')!(
        { senderFrame: { url: 'https://evil.example/', parent: null } },
        {},
      ),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    // openExternal runs in the host and is carried out by main's shell.openExternal.
    expect(
      await rec.handlers.get('app.openExternal')!(appFrame, { url: 'https://example.org/x' }),
    ).toMatchObject({
      ok: true,
      value: { opened: true },
    });
    for (let i = 0; i < 100 && rec.opened.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rec.opened).toEqual(['https://example.org/x']);
  });

  it('refuses navigation and new windows, except a chat window', () => {
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'app://wirelab/other.html' })).toEqual({ action: 'deny' });
    for (const url of [
      'app://wirelab/index.html#/chat?chat=x',
      'app://wirelab/index.html#/chat?conversation=g:0123456789abcdef',
    ]) {
      expect(contents.openHandler!({ url })).toMatchObject({
        action: 'allow',
        overrideBrowserWindowOptions: { webPreferences: { sandbox: true, contextIsolation: true } },
      });
    }
    expect(contents.openHandler!({ url: 'app://wirelab/index.html#/chat?session=x' })).toEqual({
      action: 'deny',
    });
  });

  it('grants notifications and clipboard writes to the app only', () => {
    const decide = (permission: string, url: string) =>
      new Promise<boolean>((r) =>
        rec.permissionRequest!({ getURL: () => url }, permission, r, { requestingUrl: url }),
      );
    return (async () => {
      expect(await decide('notifications', 'app://wirelab/index.html')).toBe(true);
      expect(await decide('clipboard-sanitized-write', 'app://wirelab/index.html')).toBe(true);
      expect(await decide('notifications', 'https://evil.example/')).toBe(false);
      expect(await decide('media', 'app://wirelab/index.html')).toBe(false);
      expect(rec.permissionCheck!(null, 'notifications', 'app://wirelab')).toBe(true);
      expect(rec.permissionCheck!(null, 'geolocation', 'app://wirelab')).toBe(false);
    })();
  });

  it('sends event batches under credit: past 32 unacknowledged it stops, an ack resumes with "dropped N"', async () => {
    const batches = () => contents.sent.filter(([ch]) => ch === EVENTS_CHANNEL).length;
    const start = (await rec.handlers.get('tcp.serverStart')!(appFrame, { port: 0 })) as {
      value: { session: string };
    };
    const before = batches();
    // Each settings change is one app event → one batch per bus flush.
    for (let i = 0; i < 40; i++) {
      await rec.handlers.get('app.setSettings')!(appFrame, { lanDiscovery: i % 2 === 0 });
      await new Promise((r) => setTimeout(r, 70));
    }
    const sent = batches() - before;
    expect(sent).toBeLessThanOrEqual(32);
    const ack = rec.listeners.get(EVENTS_ACK_CHANNEL)!;
    ack({ sender: { id: contents.id }, senderFrame: appFrame.senderFrame }, 32);
    await rec.handlers.get('app.setSettings')!(appFrame, { lanDiscovery: false });
    for (let i = 0; i < 100 && batches() - before === sent; i++) await new Promise((r) => setTimeout(r, 20));
    const last = contents.sent.filter(([ch]) => ch === EVENTS_CHANNEL).at(-1)![1] as {
      engine: string;
      type: string;
      count?: number;
    }[];
    expect(last[0]).toMatchObject({ engine: 'bus', type: 'dropped', forEngine: 'app' });
    expect(start.value.session).toBeTruthy();
  }, 30_000);
});
