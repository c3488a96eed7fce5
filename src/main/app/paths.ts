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
  if (decoded.includes('\0')) return undefined;
  const rel = normalize(decoded.replace(/\\/g, '/')).replace(/^([/\\])+/, '');
  const full = resolve(join(root, rel));
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}
