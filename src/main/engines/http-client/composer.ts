// One composer request end to end: prepare (URL, headers, body, auth), then exchanges on fresh
// connections, following redirects (the chain is reported), answering one Digest challenge and keeping
// cookies in the jar. The caller supplies an AbortSignal whose reason (TIMEOUT or CANCELLED) is the error.
import type { HttpRequestSpec, HttpResponse } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import { prepareBody } from './body';
import type { CookieJar } from './cookies';
import { digestAuthorization, parseDigestChallenge } from './digest';
import {
  applyAuth,
  checkTlsOptions,
  enabledHeaders,
  hasHeader,
  parseUrl,
  removeHeader,
  setHeader,
} from './prepare';
import { removeSpooled, spoolFile } from './spool';
import { exchange } from './transport';
import { runChecks } from './checks';
import type { ConnectionPool } from './connection-pool';

export interface ComposerLimits {
  previewBytes: number;
  maxBodyFileBytes: number;
  maxSpooledBodies: number;
  maxResponseHeaderBytes: number;
}

export interface ComposerDeps {
  jar: CookieJar;
  onCookiesChanged: () => void;
  /** Folder for response bodies larger than the preview; created on first use. */
  spoolDir: string;
  limits: ComposerLimits;
  userAgent: string;
  /** Kept connections; without one every exchange opens and closes its own. */
  pool?: ConnectionPool;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function sendComposed(
  spec: HttpRequestSpec,
  id: string,
  deps: ComposerDeps,
  signal: AbortSignal,
): Promise<HttpResponse> {
  const o = spec.options;
  let url = parseUrl(spec.url);
  checkTlsOptions(o);
  const baseHeaders = enabledHeaders(spec.headers);
  let auth = spec.auth;
  if ((url.username || url.password) && auth.type === 'none') {
    auth = {
      type: 'basic',
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }
  url.username = '';
  url.password = '';
  applyAuth(auth, url, baseHeaders);
  if (!hasHeader(baseHeaders, 'user-agent')) baseHeaders.push(['User-Agent', deps.userAgent]);
  if (!hasHeader(baseHeaders, 'accept')) baseHeaders.push(['Accept', '*/*']);
  if (o.decode && !hasHeader(baseHeaders, 'accept-encoding'))
    baseHeaders.push(['Accept-Encoding', 'gzip, deflate, br']);
  let method = spec.method;
  let body = await prepareBody(spec.body);
  const redirects: HttpResponse['redirects'] = [];
  let digestTried = false;
  let hop = 0;
  const t0 = performance.now();

  for (;;) {
    const headers = baseHeaders.map((h): [string, string] => [h[0], h[1]]);
    if (o.useCookies) {
      const jarCookies = deps.jar.header(url);
      if (jarCookies) {
        const own = headers.find(([k]) => k.toLowerCase() === 'cookie');
        if (own) own[1] = `${own[1]}; ${jarCookies}`;
        else headers.push(['Cookie', jarCookies]);
      }
    }
    const hopNo = hop++;
    const r = await exchange(
      {
        url,
        method,
        headers,
        body,
        options: o,
        limits: {
          previewBytes: deps.limits.previewBytes,
          maxBodyFileBytes: deps.limits.maxBodyFileBytes,
          maxResponseHeaderBytes: deps.limits.maxResponseHeaderBytes,
          spoolPath: () => spoolFile(deps.spoolDir, deps.limits.maxSpooledBodies, id, hopNo),
        },
      },
      signal,
      deps.pool,
    );
    if (o.useCookies) {
      const set = r.headers.filter(([k]) => k.toLowerCase() === 'set-cookie').map(([, v]) => v);
      if (set.length && deps.jar.store(url, set)) deps.onCookiesChanged();
    }
    const header = (name: string) => r.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

    if (r.status === 401 && auth.type === 'digest' && !digestTried) {
      const ch = parseDigestChallenge(header('www-authenticate'));
      if (ch) {
        digestTried = true;
        // The challenge's body is never shown: its spooled copy goes now.
        removeSpooled(r.body.file);
        setHeader(
          baseHeaders,
          'Authorization',
          digestAuthorization(ch, {
            username: auth.username,
            password: auth.password,
            method,
            uri: `${url.pathname}${url.search}`,
          }),
        );
        continue;
      }
    }

    const location = header('location')[0];
    if (o.followRedirects && REDIRECTS.has(r.status) && location !== undefined) {
      if (redirects.length >= o.maxRedirects) {
        throw new EngineError(
          'TOO_MANY_REDIRECTS',
          `more than ${o.maxRedirects} redirects; last ${r.status} from ${url.href} to ${location}`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EngineError(
          'HTTP_PROTOCOL_ERROR',
          `redirect to an invalid Location ${JSON.stringify(location.slice(0, 200))}`,
        );
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new EngineError('HTTP_PROTOCOL_ERROR', `redirect to unsupported scheme ${next.protocol}`);
      redirects.push({ method, url: url.href, status: r.status, location });
      removeSpooled(r.body.file);
      if (
        (r.status === 303 && method !== 'HEAD') ||
        ((r.status === 301 || r.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        removeHeader(baseHeaders, 'content-type');
      }
      if (next.origin !== url.origin) {
        // Credentials are for the origin the user typed, never for wherever it redirects.
        removeHeader(baseHeaders, 'authorization');
        digestTried = false;
      }
      url = next;
      continue;
    }

    const contentType = header('content-type')[0];
    const contentEncoding = header('content-encoding')[0];
    return {
      id,
      url: url.href,
      method,
      status: r.status,
      statusText: r.statusText,
      httpVersion: r.httpVersion,
      headers: r.headers,
      remoteAddress: r.remoteAddress,
      tlsProtocol: r.tlsProtocol,
      timing: {
        ...r.timing,
        total: redirects.length || digestTried ? performance.now() - t0 : r.timing.total,
      },
      sizes: {
        requestHeaders: r.requestHeaderBytes,
        requestBody: r.requestBodyBytes,
        responseHeaders: r.responseHeaderBytes,
        bodyWire: r.body.wireBytes,
        bodyDecoded: r.body.decodedBytes,
      },
      contentEncoding,
      contentType,
      // A copy: the preview may be a view into a shared pool slab, which would otherwise travel along.
      body: new Uint8Array(r.body.preview),
      bodyTruncated: r.body.truncated,
      bodyFile: r.body.file,
      redirects,
      requestHeaders: r.requestHeaders,
      connection: r.connection,
    };
  }
}

/** sendComposed, then the request's assertions and captures evaluated on the final response. */
export async function sendChecked(
  spec: HttpRequestSpec,
  id: string,
  deps: ComposerDeps,
  signal: AbortSignal,
): Promise<HttpResponse> {
  const r = await sendComposed(spec, id, deps, signal);
  const checks = runChecks(spec.assertions, spec.captures, {
    status: r.status,
    headers: r.headers,
    body: r.body,
    bodyTruncated: r.bodyTruncated,
    timeMs: r.timing.total,
  });
  return checks ? { ...r, checks } : r;
}
