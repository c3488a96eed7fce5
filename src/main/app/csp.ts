// The renderer's Content-Security-Policy, one definition for both shells. No inline scripts, no eval,
// no remote code; `connect-src` is the only difference (the browser shell's WebSocket).
export function contentSecurityPolicy(opts: { connectSrc?: string } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Vue's runtime sets style attributes; no inline <style> from data is ever rendered.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${opts.connectSrc ? ` ${opts.connectSrc}` : ''}`,
    "frame-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
