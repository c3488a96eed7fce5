// Body templates for mock routes: `{{params.id}}`, `{{query.page}}`, `{{headers.user-agent}}`, `{{method}}`,
// `{{path}}`, `{{body}}`, `{{now}}`; on WebSocket and SSE routes also `{{seq}}` (the message or event
// number). Values are inserted as-is (no JSON or HTML escaping): the route's author chose the surrounding
// syntax. An unknown name renders as an empty string, never as the raw placeholder.
export interface TemplateContext {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  path: string;
  body: string;
  /** Streaming routes: the number of the message received (WebSocket) or the event sent (SSE), from 1. */
  seq?: number;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.*-]+)\s*\}\}/g;

export function hasPlaceholders(template: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(template);
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  return template.replace(PLACEHOLDER, (_m, expr: string) => {
    const dot = expr.indexOf('.');
    const head = dot < 0 ? expr : expr.slice(0, dot);
    const rest = dot < 0 ? '' : expr.slice(dot + 1);
    switch (head) {
      case 'params':
        return Object.hasOwn(ctx.params, rest) ? (ctx.params[rest] ?? '') : '';
      case 'query':
        return ctx.query.get(rest) ?? '';
      case 'headers': {
        const v = ctx.headers[rest.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : (v ?? '');
      }
      case 'method':
        return ctx.method;
      case 'path':
        return ctx.path;
      case 'body':
        return ctx.body;
      case 'seq':
        return ctx.seq === undefined ? '' : String(ctx.seq);
      case 'now':
        return new Date().toISOString();
      default:
        return '';
    }
  });
}
