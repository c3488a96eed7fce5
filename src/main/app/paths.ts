// Resolving a URL path inside a root folder without ever escaping it (encoded dots, backslashes, NUL).
// Used by the Electron app:// protocol and the browser shell's static server.
import { join, normalize, resolve, sep } from 'node:path';

export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  // A dot-dot segment is never needed by a page; refusing it outright beats normalising it away.
  if (decoded.includes('\0') || decoded.split(/[/\\]/).includes('..')) return undefined;
  const rel = normalize(decoded.replace(/\\/g, '/')).replace(/^([/\\])+/, '');
  const full = resolve(join(root, rel));
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}
