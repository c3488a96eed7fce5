// A cookie jar following RFC 6265's storage and matching rules (domain, host-only, path, Secure, expiry).
// It deliberately does not know the public-suffix list: a tool talking to test servers should store what
// the server sets; a Domain attribute must still domain-match the responding host.
import type { HttpCookie } from '../../../shared/contract/http-client';

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(reqPath: string, cookiePath: string): boolean {
  if (reqPath === cookiePath) return true;
  if (!reqPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
}

/** Parses one Set-Cookie value as received from `url`; undefined when it must be ignored. */
export function parseSetCookie(header: string, url: URL, at = Date.now()): HttpCookie | undefined {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (!name) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const cookie: HttpCookie = {
    name,
    value,
    domain: host,
    path: defaultPath(url),
    hostOnly: true,
    secure: false,
    httpOnly: false,
  };
  let maxAge: number | undefined;
  for (const a of attrs) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : a.slice(i + 1).trim();
    if (key === 'domain' && val) {
      const d = val.replace(/^\./, '').toLowerCase();
      if (!domainMatches(host, d)) return undefined;
      cookie.domain = d;
      cookie.hostOnly = false;
    } else if (key === 'path' && val.startsWith('/')) cookie.path = val;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'samesite') {
      const s = val.toLowerCase();
      cookie.sameSite = s === 'strict' ? 'Strict' : s === 'none' ? 'None' : 'Lax';
    } else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
    else if (key === 'expires') {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = t;
    }
  }
  if (maxAge !== undefined) cookie.expires = maxAge <= 0 ? 0 : at + maxAge * 1000;
  return cookie;
}

export class CookieJar {
  private cookies: HttpCookie[] = [];

  constructor(
    initial: HttpCookie[] = [],
    private readonly maxCookies = 3000,
  ) {
    this.cookies = initial.slice(0, maxCookies);
  }

  list(at = Date.now()): HttpCookie[] {
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > at);
    return this.cookies.map((c) => ({ ...c }));
  }

  /** Stores the response's cookies; returns true when the jar changed. */
  store(url: URL, setCookies: string[], at = Date.now()): boolean {
    let changed = false;
    for (const h of setCookies) {
      const c = parseSetCookie(h, url, at);
      if (!c) continue;
      if (c.secure && url.protocol !== 'https:') continue;
      this.put(c);
      changed = true;
    }
    return changed;
  }

  put(c: HttpCookie): void {
    this.cookies = this.cookies.filter(
      (o) => !(o.name === c.name && o.domain === c.domain && o.path === c.path),
    );
    if (c.expires !== undefined && c.expires <= Date.now()) return;
    this.cookies.push({ ...c });
    if (this.cookies.length > this.maxCookies) this.cookies.splice(0, this.cookies.length - this.maxCookies);
  }

  delete(name: string, domain: string, path: string): void {
    this.cookies = this.cookies.filter((o) => !(o.name === name && o.domain === domain && o.path === path));
  }

  clear(): void {
    this.cookies = [];
  }

  /** The Cookie header for a request to `url`, longest paths first (RFC 6265 §5.4). */
  header(url: URL, at = Date.now()): string | undefined {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const matching = this.list(at).filter(
      (c) =>
        (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)) &&
        pathMatches(url.pathname || '/', c.path) &&
        (!c.secure || url.protocol === 'https:'),
    );
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}
