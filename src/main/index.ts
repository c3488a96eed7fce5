// Electron main process: thin glue. Security decisions live in app/electron-policy.ts (pure, tested);
// engines and the dispatcher are the same ones the browser shell and tests use (services.ts).
import { app, BrowserWindow, ipcMain, nativeTheme, net, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServices, type Services } from './services';
import { registerIpc, forwardEvents } from './ipc/register';
import { contentSecurityPolicy } from './app/csp';
import { resolveInside } from './app/paths';
import {
  APP_HOST,
  APP_INDEX_URL,
  APP_SCHEME,
  mainWindowOptions,
  navigationAllowed,
  windowOpenDecision,
} from './app/electron-policy';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const rendererRoot = join(import.meta.dirname, '..', 'renderer');
let services: Services | undefined;
let mainWindow: BrowserWindow | undefined;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.whenReady().then(onReady, (err: unknown) => {
    console.error('wirelab: failed to start', err);
    app.exit(1);
  });
}

function onReady(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file =
      url.host === APP_HOST
        ? resolveInside(rendererRoot, url.pathname === '/' ? '/index.html' : url.pathname)
        : undefined;
    if (!file) return new Response('forbidden', { status: 403 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy());
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  services = createServices({
    dataDir: app.getPath('userData'),
    shell: 'electron',
    version: app.getVersion(),
    openExternal: (url) => shell.openExternal(url),
  });
  registerIpc(ipcMain, services, devServerUrl);
  createWindow(services);
}

function preloadPath(): string {
  return join(import.meta.dirname, '..', 'preload', 'index.cjs');
}

/** The guards every app window gets: no navigation, no webviews, window.open by policy, events. */
function secureWindow(s: Services, win: BrowserWindow): void {
  forwardEvents(s, win.webContents);
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
  win.webContents.on('did-create-window', (child) => secureWindow(s, child));
}

function createWindow(s: Services): void {
  const win = new BrowserWindow(mainWindowOptions(preloadPath(), nativeTheme.shouldUseDarkColors));
  mainWindow = win;
  secureWindow(s, win);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => (mainWindow = undefined));
  void win.loadURL(devServerUrl ?? APP_INDEX_URL);
}

app.on('window-all-closed', () => {
  void (services?.close() ?? Promise.resolve()).finally(() => app.quit());
});
app.on('activate', () => {
  if (!mainWindow && services) createWindow(services);
});
