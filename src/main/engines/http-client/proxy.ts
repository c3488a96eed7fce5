// Proxy choice: `env` honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case) the way curl does, except
// that loopback targets are never proxied from the environment (a remote proxy cannot reach this machine's
// 127.0.0.1). `none` goes direct; anything else is an http:// proxy URL used for both schemes, always.
import { isIP } from 'node:net';
import { EngineError } from '../common/errors';

type Env = Record<string, string | undefined>;

function envVar(env: Env, name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v && v.trim() !== '' ? v.trim() : undefined;
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h.endsWith('.localhost') || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'))
  );
}

function noProxyMatches(noProxy: string, url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [h = '', p] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':');
    if (p && p !== port) continue;
    const suffix = h.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}

/** The proxy to use for `url`, or undefined to go direct. */
export function proxyFor(url: URL, setting: string, env: Env = process.env): URL | undefined {
  if (setting === 'none') return undefined;
  let text: string | undefined;
  if (setting === 'env') {
    if (isLoopback(url.hostname)) return undefined;
    const noProxy = envVar(env, 'no_proxy');
    if (noProxy && noProxyMatches(noProxy, url)) return undefined;
    text = url.protocol === 'https:' ? envVar(env, 'https_proxy') : envVar(env, 'http_proxy');
    if (!text) return undefined;
  } else text = setting;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let proxy: URL;
  try {
    proxy = new URL(withScheme);
  } catch {
    throw new EngineError('INVALID_URL', `proxy ${JSON.stringify(text)} is not a URL`);
  }
  if (proxy.protocol !== 'http:')
    throw new EngineError(
      'NOT_SUPPORTED',
      `proxy scheme ${proxy.protocol} (only http:// proxies are supported)`,
    );
  return proxy;
}

export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}
