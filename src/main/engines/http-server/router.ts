// Route matching for the mock server. Patterns are segment-wise: `:name` captures one segment, `*` in the
// middle matches one segment, a trailing `*` captures the rest of the path (possibly empty) as `params['*']`.
// Matching works on the raw (still percent-encoded) path split at `/`, then decodes each captured value, so
// an encoded slash inside a parameter stays inside it.
import type { HttpRoute } from '../../../shared/contract/http-server';

type Segment =
  { kind: 'literal'; text: string } | { kind: 'param'; name: string } | { kind: 'star' } | { kind: 'rest' };

export interface CompiledRoute {
  route: HttpRoute;
  segments: Segment[];
}

export function compileRoute(route: HttpRoute): CompiledRoute {
  const parts = route.path.split('/').slice(1);
  const segments: Segment[] = parts.map((p, i): Segment => {
    if (p === '*') return i === parts.length - 1 ? { kind: 'rest' } : { kind: 'star' };
    if (p.startsWith(':') && p.length > 1) return { kind: 'param', name: p.slice(1) };
    return { kind: 'literal', text: safeDecode(p) ?? p };
  });
  return { route, segments };
}

export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Returns the captured params, or undefined when the path does not match. */
export function matchPath(compiled: CompiledRoute, rawPath: string): Record<string, string> | undefined {
  const parts = rawPath.split('/').slice(1);
  const params: Record<string, string> = {};
  const segs = compiled.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Segment;
    if (seg.kind === 'rest') {
      params['*'] = parts
        .slice(i)
        .map((p) => safeDecode(p) ?? p)
        .join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    const decoded = safeDecode(part);
    if (decoded === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (decoded !== seg.text) return undefined;
    } else if (seg.kind === 'param') {
      if (decoded === '') return undefined;
      params[seg.name] = decoded;
    } else if (decoded === '') return undefined;
  }
  // A trailing slash is tolerated (`/users/` matches `/users`), anything longer is not.
  if (parts.length === segs.length || (parts.length === segs.length + 1 && parts[parts.length - 1] === ''))
    return params;
  return undefined;
}

export function findRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): { route: HttpRoute; params: Record<string, string> } | undefined {
  for (const c of routes) {
    const m = c.route.method;
    if (m !== '*' && m !== method && !(m === 'GET' && method === 'HEAD')) continue;
    const params = matchPath(c, rawPath);
    if (params) return { route: c.route, params };
  }
  return undefined;
}
