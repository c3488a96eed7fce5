// The Electron shell's security decisions as pure functions (unit-tested without Electron):
// where the window may navigate, what window.open may do, which frames may call IPC, window options.
import { isSafeExternalUrl } from './url-policy';

export const APP_SCHEME = 'app';
export const APP_HOST = 'wirelab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** True for a page of the app itself (or the dev server in `electron-vite dev`). */
export function isAppUrl(raw: string, devServerUrl?: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
  if (devServerUrl) {
    try {
      return url.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/** In-window navigation: never; a hash change within the app is not a navigation Electron reports. */
export function navigationAllowed(_target: string): boolean {
  return false;
}

/**
 * window.open / target=_blank: a chat may open in a window of its own (an app URL on the chat route
 * naming one room session or one messenger conversation, see `chatWindowTarget`); everything else is
 * denied in-app, and http(s) links go to the system browser.
 */
export function windowOpenDecision(url: string): { action: 'allow' | 'deny'; openExternally: boolean } {
  if (chatWindowTarget(url)) return { action: 'allow', openExternally: false };
  return { action: 'deny', openExternally: isSafeExternalUrl(url) };
}

/** What a chat window shows: one room session on a room server, or one messenger conversation. */
export type ChatWindowTarget =
  { kind: 'room'; session: string } | { kind: 'conversation'; conversation: string };

const SESSION_RE = /^[\w.:-]{1,80}$/;
const CONVERSATION_RE = /^(dm:[0-9a-f]{16}:[0-9a-f]{16}|g:[0-9a-f]{16})$/;

/**
 * The chat window an URL asks for: `app://wirelab/index.html#/chat?chat=<session>` (a room session) or
 * `…#/chat?conversation=<dm:…|g:…>` (a messenger conversation, peer to peer); exactly one of them, well
 * formed. Anything else is not a chat window (and window.open of it is denied).
 */
export function chatWindowTarget(raw: string): ChatWindowTarget | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.pathname !== '/index.html')
    return undefined;
  const m = /^#\/chat\?(.*)$/.exec(url.hash);
  if (!m) return undefined;
  const q = new URLSearchParams(m[1]);
  if ([...q.keys()].length !== 1) return undefined;
  const session = q.get('chat');
  if (session !== null) return SESSION_RE.test(session) ? { kind: 'room', session } : undefined;
  const conversation = q.get('conversation');
  if (conversation !== null && CONVERSATION_RE.test(conversation))
    return { kind: 'conversation', conversation };
  return undefined;
}

/** IPC is answered only for the app's own top-level frame (no parent), never for iframes. */
export function isTrustedSender(
  frame: { url: string; parent: unknown } | null | undefined,
  devServerUrl?: string,
): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, devServerUrl);
}

export interface MainWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    spellcheck: false;
    navigateOnDragDrop: false;
  };
}

export function mainWindowOptions(preload: string, dark: boolean): MainWindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'Wirelab',
    backgroundColor: dark ? '#0d1117' : '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/**
 * The page the main window loads: `ELECTRON_RENDERER_URL` (electron-vite's dev server) only in an
 * unpackaged run and only on loopback — a packaged app must never load, and trust for IPC, a page an
 * environment variable points at.
 */
export function devRendererUrl(
  env: Record<string, string | undefined>,
  isPackaged: boolean,
): string | undefined {
  const raw = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !raw) return undefined;
  try {
    const url = new URL(raw);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return (url.protocol === 'http:' || url.protocol === 'https:') && loopback ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** What the app uses: chat notifications and the copy buttons. Everything else is refused. */
export const ALLOWED_PERMISSIONS: readonly string[] = ['notifications', 'clipboard-sanitized-write'];

/** A permission request or check: granted only for the app's own pages and only what the app uses. */
export function permissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  devServerUrl?: string,
): boolean {
  return ALLOWED_PERMISSIONS.includes(permission) && !!requestingUrl && isAppUrl(requestingUrl, devServerUrl);
}
