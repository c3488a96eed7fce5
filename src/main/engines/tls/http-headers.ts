// HTTP security headers of the HTTPS answer (the HSTS probe's HEAD /): each header a browser relies on,
// judged as securityheaders.com and testssl.sh's header checks do — present and strict, weak, or
// missing — plus cookies without Secure/HttpOnly/SameSite and a server banner that names a version.
import type { TlsHeaderFinding } from '../../../shared/contract/tls';

type Headers = ReadonlyArray<readonly [string, string]>;

const all = (h: Headers, name: string) =>
  h.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim());
const one = (h: Headers, name: string) => all(h, name)[0];

export function judgeSecurityHeaders(h: Headers): TlsHeaderFinding[] {
  const out: TlsHeaderFinding[] = [];
  const add = (id: string, header: string, status: TlsHeaderFinding['status'], detail: string) =>
    out.push({ id, header, status, detail });

  const hsts = one(h, 'strict-transport-security');
  if (!hsts) add('hsts', 'Strict-Transport-Security', 'missing', 'browsers may still try http:// first');
  else {
    const maxAge = Number(/max-age\s*=\s*"?(\d+)/i.exec(hsts)?.[1] ?? NaN);
    const sub = /includesubdomains/i.test(hsts);
    const preload = /preload/i.test(hsts);
    const parts = [
      `max-age ${Number.isFinite(maxAge) ? maxAge : '?'} s`,
      sub ? 'includeSubDomains' : '',
      preload ? 'preload' : '',
    ];
    const weak = !Number.isFinite(maxAge) || maxAge < 15_552_000;
    const preloadable = maxAge >= 31_536_000 && sub && preload;
    add(
      'hsts',
      'Strict-Transport-Security',
      weak ? 'weak' : 'ok',
      `${parts.filter(Boolean).join(', ')}${weak ? ' (under 180 days)' : ''}${preload && !preloadable ? '; preload asked but the list needs max-age ≥ 1 year and includeSubDomains' : ''}`,
    );
  }

  const csp = one(h, 'content-security-policy');
  const frameAncestors = csp && /frame-ancestors/i.test(csp);
  if (!csp) add('csp', 'Content-Security-Policy', 'missing', 'no policy limits scripts, styles or frames');
  else if (
    /'unsafe-inline'|'unsafe-eval'/i.test(csp) &&
    !/'nonce-|'sha(256|384|512)-|'strict-dynamic'/i.test(csp)
  )
    add('csp', 'Content-Security-Policy', 'weak', `allows unsafe-inline/unsafe-eval: ${csp}`);
  else add('csp', 'Content-Security-Policy', 'ok', csp);

  const xfo = one(h, 'x-frame-options');
  if (frameAncestors) add('framing', 'X-Frame-Options / frame-ancestors', 'ok', 'CSP frame-ancestors is set');
  else if (xfo && /^(deny|sameorigin)$/i.test(xfo))
    add('framing', 'X-Frame-Options / frame-ancestors', 'ok', xfo);
  else if (xfo) add('framing', 'X-Frame-Options / frame-ancestors', 'weak', `unrecognised value "${xfo}"`);
  else
    add(
      'framing',
      'X-Frame-Options / frame-ancestors',
      'missing',
      'other sites may frame the page (clickjacking)',
    );

  const xcto = one(h, 'x-content-type-options');
  add(
    'nosniff',
    'X-Content-Type-Options',
    xcto?.toLowerCase() === 'nosniff' ? 'ok' : xcto ? 'weak' : 'missing',
    xcto ?? 'browsers may guess content types (MIME sniffing)',
  );

  const rp = one(h, 'referrer-policy');
  const leaky = rp && /^(unsafe-url|no-referrer-when-downgrade)$/i.test(rp.split(',').pop()?.trim() ?? '');
  add(
    'referrer',
    'Referrer-Policy',
    !rp ? 'missing' : leaky ? 'weak' : 'ok',
    rp ?? 'the browser default applies',
  );

  for (const cookie of all(h, 'set-cookie')) {
    const name = cookie.split('=')[0]?.trim() ?? '?';
    const attrs = cookie
      .split(';')
      .slice(1)
      .map((a) => a.trim().toLowerCase());
    const lacks = [
      attrs.includes('secure') ? '' : 'Secure',
      attrs.includes('httponly') ? '' : 'HttpOnly',
      attrs.some((a) => a.startsWith('samesite=')) ? '' : 'SameSite',
    ].filter(Boolean);
    add(
      `cookie:${name}`,
      `Set-Cookie ${name}`,
      lacks.length ? 'weak' : 'ok',
      lacks.length ? `without ${lacks.join(', ')}` : 'Secure, HttpOnly, SameSite',
    );
  }

  for (const name of ['server', 'x-powered-by']) {
    const v = one(h, name);
    if (v)
      add(
        `banner:${name}`,
        name === 'server' ? 'Server' : 'X-Powered-By',
        /\d/.test(v) ? 'weak' : 'info',
        /\d/.test(v) ? `"${v}" names a version` : `"${v}"`,
      );
  }
  return out;
}
