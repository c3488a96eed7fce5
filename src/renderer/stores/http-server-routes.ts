// The mock server's routes as the routes editor holds them (strings as typed, kept in the workspace) and
// their conversion to and from the contract's routes. HTTP, WebSocket and SSE routes share one row; the
// fields of the other kinds stay in it, so switching a route's kind back and forth loses nothing.
import { z } from 'zod';
import type { HttpRouteInput, HttpServerInfo } from '../../shared/contract';
import { AppError } from '../api';

export const WsRuleRow = z.object({
  match: z.enum(['any', 'equals', 'contains', 'regex']),
  pattern: z.string(),
  reply: z.string(),
  to: z.enum(['sender', 'all']),
  delayMs: z.string(),
  closeCode: z.string(),
});
export type WsRuleRow = z.infer<typeof WsRuleRow>;

export const SseEventRow = z.object({
  event: z.string(),
  data: z.string(),
  id: z.string(),
  delayMs: z.string(),
});
export type SseEventRow = z.infer<typeof SseEventRow>;

export const RouteRow = z.object({
  kind: z.enum(['http', 'ws', 'sse']).default('http'),
  method: z.string(),
  path: z.string(),
  status: z.string(),
  headers: z.string(),
  body: z.string(),
  delayMs: z.string(),
  wsMode: z.enum(['echo', 'broadcast', 'script']).default('echo'),
  /** One greeting message per line. */
  wsGreeting: z.string().default(''),
  wsRules: z.array(WsRuleRow).default([]),
  wsFallback: z.enum(['ignore', 'echo']).default('ignore'),
  sseEvents: z.array(SseEventRow).default([]),
  sseRepeat: z.string().default('1'),
  sseRetryMs: z.string().default(''),
  sseAutoIds: z.boolean().default(true),
});
export type RouteRow = z.infer<typeof RouteRow>;

/** The routes in the editor and the server they were read from (null: a draft for a new server). */
export const RoutesDraft = z.object({ session: z.string().nullable(), rows: z.array(RouteRow) });

export function newRouteRow(kind: RouteRow['kind'] = 'http'): RouteRow {
  return RouteRow.parse({
    kind,
    method: 'GET',
    path: kind === 'ws' ? '/ws' : kind === 'sse' ? '/events' : '/api/items/:id',
    status: '200',
    headers: kind === 'http' ? 'Content-Type: application/json' : '',
    body: kind === 'http' ? '{"id": "{{params.id}}"}' : '',
    delayMs: '0',
    sseEvents: kind === 'sse' ? [newSseEventRow()] : [],
  });
}

export function newWsRuleRow(): WsRuleRow {
  return { match: 'equals', pattern: 'ping', reply: 'pong', to: 'sender', delayMs: '0', closeCode: '' };
}

export function newSseEventRow(): SseEventRow {
  return { event: '', data: 'tick {{seq}}', id: '', delayMs: '1000' };
}

function whole(text: string, what: string, fallback: number): number {
  const t = text.trim();
  if (t === '') return fallback;
  const n = Number(t);
  if (!Number.isInteger(n))
    throw new AppError({ code: 'INVALID_INPUT', message: `${what} must be a whole number` });
  return n;
}

function headerMap(text: string, route: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const c = line.indexOf(':');
    if (c <= 0)
      throw new AppError({
        code: 'INVALID_HEADER',
        message: `route ${route}: "${line.trim()}" is not "Name: value"`,
      });
    headers[line.slice(0, c).trim()] = line.slice(c + 1).trim();
  }
  return headers;
}

/** Rows → contract routes; text that is not a number or a header is a coded error before anything is sent. */
export function toRoutes(rows: RouteRow[]): HttpRouteInput[] {
  return rows.map((r, i) => {
    const n = i + 1;
    const base = {
      id: `route-${n}`,
      method: r.method,
      path: r.path.trim(),
      headers: headerMap(r.headers, n),
      status: whole(r.status, `route ${n}: status`, 200),
      delayMs: whole(r.delayMs, `route ${n}: delay`, 0),
    };
    if (r.kind === 'ws')
      return {
        ...base,
        kind: 'ws',
        ws: {
          mode: r.wsMode,
          greeting: r.wsGreeting.split('\n').filter((g) => g.trim() !== ''),
          rules: r.wsRules.map((rule, j) => ({
            match: rule.match,
            pattern: rule.pattern,
            reply: rule.reply,
            to: rule.to,
            delayMs: whole(rule.delayMs, `route ${n}, rule ${j + 1}: delay`, 0),
            ...(rule.closeCode.trim()
              ? { closeCode: whole(rule.closeCode, `route ${n}, rule ${j + 1}: close code`, 1000) }
              : {}),
          })),
          fallback: r.wsFallback,
        },
      };
    if (r.kind === 'sse')
      return {
        ...base,
        kind: 'sse',
        sse: {
          events: r.sseEvents.map((e, j) => ({
            ...(e.event.trim() ? { event: e.event.trim() } : {}),
            ...(e.id.trim() ? { id: e.id.trim() } : {}),
            data: e.data,
            delayMs: whole(e.delayMs, `route ${n}, event ${j + 1}: delay`, 0),
          })),
          repeat: whole(r.sseRepeat, `route ${n}: repeat`, 1),
          autoIds: r.sseAutoIds,
          ...(r.sseRetryMs.trim() ? { retryMs: whole(r.sseRetryMs, `route ${n}: retry`, 0) } : {}),
        },
      };
    return { ...base, body: r.body };
  });
}

export function toRows(info: HttpServerInfo): RouteRow[] {
  return info.routes.map((r) =>
    RouteRow.parse({
      kind: r.kind,
      method: r.method,
      path: r.path,
      status: String(r.status),
      headers: Object.entries(r.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
      body: r.body,
      delayMs: String(r.delayMs),
      ...(r.ws
        ? {
            wsMode: r.ws.mode,
            wsGreeting: r.ws.greeting.join('\n'),
            wsFallback: r.ws.fallback,
            wsRules: r.ws.rules.map((rule) => ({
              match: rule.match,
              pattern: rule.pattern,
              reply: rule.reply,
              to: rule.to,
              delayMs: String(rule.delayMs),
              closeCode: rule.closeCode === undefined ? '' : String(rule.closeCode),
            })),
          }
        : {}),
      ...(r.sse
        ? {
            sseRepeat: String(r.sse.repeat),
            sseRetryMs: r.sse.retryMs === undefined ? '' : String(r.sse.retryMs),
            sseAutoIds: r.sse.autoIds,
            sseEvents: r.sse.events.map((e) => ({
              event: e.event ?? '',
              data: e.data,
              id: e.id ?? '',
              delayMs: String(e.delayMs),
            })),
          }
        : {}),
    }),
  );
}
