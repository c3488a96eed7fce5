// Electron main process: thin glue. Security decisions live in app/electron-policy.ts (pure, tested);
// the engines run in the engine host (src/main/host/), a utility process this process starts,
// supervises and restarts. Main only forwards calls (ipcMain → host) and event batches (host → windows).
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  MessageChannelMain,
  nativeTheme,
  net,
  protocol,
  session,
  shell,
  utilityProcess,
} from 'electron';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contract, listChannels, zodErrorToInfo, type WirelabEvent } from '../shared/contract';
import type { Result } from '../shared/errors';
import { registerIpc, createEventForwarding } from './ipc/register';
import { contentSecurityPolicy } from './app/csp';
import { resolveInside } from './app/paths';
import {
  APP_HOST,
  APP_INDEX_URL,
  APP_SCHEME,
  devRendererUrl,
  mainWindowOptions,
  navigationAllowed,
  permissionAllowed,
  windowOpenDecision,
} from './app/electron-policy';
import { isSafeExternalUrl } from './app/url-policy';
import { forkUtilityHost, hostEntryPath, type UtilityDeps } from './app/electron-host';
import { HostSupervisor } from './host/supervisor';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const devServerUrl = devRendererUrl(process.env, app.isPackaged);
const rendererRoot = join(import.meta.dirname, '..', 'renderer');
let supervisor: HostSupervisor | undefined;
let forwarding: ReturnType<typeof createEventForwarding> | undefined;
let mainWindow: BrowserWindow | undefined;

const utilityDeps: UtilityDeps = {
  fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
  channel: () => new MessageChannelMain(),
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.whenReady().then(onReady, fail);
}

function fail(err: unknown): void {
  console.error('wirelab: failed to start', err);
  app.exit(1);
}

async function serveApp(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const file =
    url.host === APP_HOST
      ? resolveInside(rendererRoot, url.pathname === '/' ? '/index.html' : url.pathname)
      : undefined;
  if (!file) return new Response('forbidden', { status: 403 });
  if (!existsSync(file) || !statSync(file).isFile()) return new Response('not found', { status: 404 });
  const res = await net.fetch(pathToFileURL(file).toString());
  const headers = new Headers(res.headers);
  headers.set('Content-Security-Policy', contentSecurityPolicy());
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(res.body, { status: res.status, headers });
}

async function onReady(): Promise<void> {
  protocol.handle(APP_SCHEME, serveApp);
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl ?? wc.getURL(), devServerUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin, devServerUrl),
  );

  const s = new HostSupervisor({
    spawn: () => forkUtilityHost(utilityDeps, hostEntryPath(import.meta.dirname)),
    init: {
      dataDir: app.getPath('userData'),
      shell: 'electron',
      version: app.getVersion(),
      encoding: 'structured',
    },
    openExternal: (url) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
    },
  });
  supervisor = s;
  await s.start();
  registerIpc(
    ipcMain,
    {
      channels: () => listChannels(contract),
      call: async (channel, input) => {
        // The file dialog belongs to the window, not to the engines: answered here (files.pick).
        if (channel === 'files.pick') return pickFile(input);
        const r = await s.call(channel, input);
        // Structured encoding: the host answers with objects; only wire-encoded hosts send text.
        return typeof r === 'string'
          ? { ok: false, error: { code: 'INTERNAL', message: 'unexpected wire answer' } }
          : r;
      },
    },
    devServerUrl,
  );
  forwarding = createEventForwarding(
    ipcMain,
    {
      onBatch: (l) => s.onBatch((b) => Array.isArray(b) && l(b as WirelabEvent[])),
      onState: (l) => s.onState((state) => l(state)),
    },
    devServerUrl ? { devServerUrl } : {},
  );
  createWindow();
}

function preloadPath(): string {
  return join(import.meta.dirname, '..', 'preload', 'index.cjs');
}

/** The guards every app window gets: no navigation, no webviews, window.open by policy, events. */
function secureWindow(win: BrowserWindow): void {
  forwarding?.attach(win.webContents);
  win.webContents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) void shell.openExternal(url);
    if (decision.action === 'deny') return { action: 'deny' };
    // A chat in its own window: the same preload, sandbox and policies as the main window.
    const options = mainWindowOptions(preloadPath(), nativeTheme.shouldUseDarkColors);
    return {
      action: 'allow',
      overrideBrowserWindowOptions: { ...options, width: 620, height: 760, show: true },
    };
  });
  win.webContents.on('did-create-window', (child) => secureWindow(child));
}

function createWindow(): void {
  const win = new BrowserWindow(mainWindowOptions(preloadPath(), nativeTheme.shouldUseDarkColors));
  mainWindow = win;
  secureWindow(win);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => (mainWindow = undefined));
  void win.loadURL(devServerUrl ?? APP_INDEX_URL);
}

app.on('window-all-closed', () => {
  forwarding?.dispose();
  void (supervisor?.close() ?? Promise.resolve()).finally(() => app.quit());
});
app.on('activate', () => {
  if (!mainWindow && supervisor) createWindow();
});

/** `files.pick` in Electron: the system open/save dialog over the focused window. */
async function pickFile(input: unknown): Promise<Result<unknown>> {
  const parsed = contract.files.pick.input.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, error: zodErrorToInfo(parsed.error) };
  const { mode, title, defaultPath } = parsed.data;
  const win = BrowserWindow.getFocusedWindow();
  const options = { ...(title ? { title } : {}), ...(defaultPath ? { defaultPath } : {}) };
  if (mode === 'save') {
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return {
      ok: true,
      value: { supported: true, ...(r.canceled || !r.filePath ? {} : { path: r.filePath }) },
    };
  }
  const props: ('openFile' | 'openDirectory')[] = [mode === 'folder' ? 'openDirectory' : 'openFile'];
  const r = win
    ? await dialog.showOpenDialog(win, { ...options, properties: props })
    : await dialog.showOpenDialog({ ...options, properties: props });
  return {
    ok: true,
    value: { supported: true, ...(r.canceled || !r.filePaths[0] ? {} : { path: r.filePaths[0] }) },
  };
}
