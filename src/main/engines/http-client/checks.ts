// Assertions and captures on a response, evaluated without running any code: a fixed set of sources
// (status, header, JSONPath value, body, response time, JSON Schema), a fixed set of operators, the safe
// JSONPath subset of shared/json-path and the bounded validator of json-schema.ts. Bodies are checked as
// far as the response carries them (its preview); the result says when a body was cut.
import type {
  HttpAssertion,
  HttpAssertionResult,
  HttpCapture,
  HttpCaptureResult,
  HttpCheckResults,
} from '../../../shared/contract/http-checks';
import { HTTP_CHECK_LIMITS } from '../../../shared/contract/http-checks';
import { evaluate, PathError } from '../../../shared/json-path';
import { validateSchema } from './json-schema';

/** What checks look at: the parts of a response every source needs. */
export interface CheckedResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  bodyTruncated: boolean;
  timeMs: number;
}

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? v : v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}…` : s;
};

function header(r: CheckedResponse, name: string): string | undefined {
  const n = name.trim().toLowerCase();
  const all = r.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  return all.length ? all.join(', ') : undefined;
}

/** Parses the body once per check run. */
class BodyView {
  private text?: string;
  private json?: { ok: true; value: unknown } | { ok: false; error: string };
  constructor(private readonly r: CheckedResponse) {}
  asText(): string {
    this.text ??= Buffer.from(this.r.body).toString('utf8');
    return this.text;
  }
  asJson(): { ok: true; value: unknown } | { ok: false; error: string } {
    if (!this.json) {
      try {
        this.json = { ok: true, value: JSON.parse(this.asText()) as unknown };
      } catch (err) {
        const cut = this.r.bodyTruncated ? ' (the body was cut at the preview size)' : '';
        this.json = { ok: false, error: `body is not JSON: ${(err as Error).message}${cut}` };
      }
    }
    return this.json;
  }
}

function regex(pattern: string): RegExp {
  // `/…/flags` or a bare pattern.
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(pattern);
  try {
    return m ? new RegExp(m[1] ?? '', (m[2] ?? '').replace('g', '')) : new RegExp(pattern);
  } catch (err) {
    throw new CheckError(`bad regular expression: ${(err as Error).message}`);
  }
}

class CheckError extends Error {}

/** Compares an actual value with the expected text: numbers as numbers, JSON-looking text as JSON. */
function compare(op: HttpAssertion['op'], actual: unknown, expectedText: string): boolean {
  const asNumber = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const text = typeof actual === 'string' ? actual : actual === undefined ? '' : JSON.stringify(actual);
  let expected: unknown = expectedText;
  try {
    expected = JSON.parse(expectedText);
  } catch {
    // Plain text stays text.
  }
  switch (op) {
    case 'exists':
      return actual !== undefined;
    case 'notExists':
      return actual === undefined;
    case 'eq':
    case 'neq': {
      const same =
        actual !== undefined &&
        (typeof actual === 'string'
          ? text === expectedText ||
            (typeof expected === 'string' ? text === expected : text === JSON.stringify(expected))
          : JSON.stringify(actual) === JSON.stringify(expected) ||
            (typeof expected === 'string' && text === expected));
      return op === 'eq' ? same : !same;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const a = asNumber(actual);
      const b = Number(expectedText);
      if (Number.isNaN(a) || Number.isNaN(b))
        throw new CheckError(`cannot compare ${show(actual)} with ${expectedText} as numbers`);
      return op === 'lt' ? a < b : op === 'lte' ? a <= b : op === 'gt' ? a > b : a >= b;
    }
    case 'contains':
    case 'notContains': {
      const has = Array.isArray(actual)
        ? actual.some((x) => JSON.stringify(x) === JSON.stringify(expected) || x === expectedText)
        : text.includes(expectedText);
      return op === 'contains' ? has : !has;
    }
    case 'matches':
      return regex(expectedText).test(text.slice(0, HTTP_CHECK_LIMITS.maxRegexInputChars));
    case 'isType': {
      const t = actual === null ? 'null' : Array.isArray(actual) ? 'array' : typeof actual;
      return t === expectedText.trim();
    }
    case 'valid':
      throw new CheckError('"valid" is for JSON Schema assertions');
  }
}

const OP_WORDS: Record<HttpAssertion['op'], string> = {
  eq: '=',
  neq: '≠',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  contains: 'contains',
  notContains: 'does not contain',
  matches: 'matches',
  exists: 'exists',
  notExists: 'does not exist',
  isType: 'is a',
  valid: 'is valid against',
};

function describe(a: HttpAssertion): string {
  const what =
    a.source === 'status'
      ? 'status'
      : a.source === 'header'
        ? `header ${a.path}`
        : a.source === 'jsonpath'
          ? a.path || '$'
          : a.source === 'responseTime'
            ? 'response time (ms)'
            : a.source === 'jsonSchema'
              ? 'body'
              : 'body';
  if (a.source === 'jsonSchema') return 'body is valid against the JSON Schema';
  if (a.op === 'exists' || a.op === 'notExists') return `${what} ${OP_WORDS[a.op]}`;
  return `${what} ${OP_WORDS[a.op]} ${a.value}`;
}

function runAssertion(
  a: HttpAssertion,
  r: CheckedResponse,
  body: BodyView,
): { pass: boolean; actual?: unknown; why?: string } {
  switch (a.source) {
    case 'status':
      return { pass: compare(a.op, r.status, a.value), actual: r.status };
    case 'responseTime':
      return {
        pass: compare(a.op, Math.round(r.timeMs * 10) / 10, a.value),
        actual: Math.round(r.timeMs * 10) / 10,
      };
    case 'header': {
      const v = header(r, a.path);
      return { pass: compare(a.op, v, a.value), actual: v };
    }
    case 'body': {
      const t = body.asText();
      return { pass: compare(a.op, t, a.value), actual: t };
    }
    case 'jsonpath': {
      const j = body.asJson();
      if (!j.ok) return { pass: false, why: j.error };
      let matches;
      try {
        matches = evaluate(a.path || '$', j.value, 1000);
      } catch (err) {
        if (err instanceof PathError) throw new CheckError(`bad JSONPath: ${err.message}`);
        throw err;
      }
      // One match compares as its value; a wildcard's several matches compare as the list of them.
      const v =
        matches.length === 0
          ? undefined
          : matches.length === 1
            ? matches[0]?.value
            : matches.map((m) => m.value);
      return { pass: compare(a.op, v, a.value), actual: v };
    }
    case 'jsonSchema': {
      const j = body.asJson();
      if (!j.ok) return { pass: false, why: j.error };
      let schema: unknown;
      try {
        schema = JSON.parse(a.value);
      } catch (err) {
        throw new CheckError(`the schema is not JSON: ${(err as Error).message}`);
      }
      let res;
      try {
        res = validateSchema(schema, j.value);
      } catch (err) {
        throw new CheckError((err as Error).message);
      }
      if (res.valid) return { pass: true };
      const first = res.errors
        .slice(0, 3)
        .map((e) => `${e.at || '/'}: ${e.message}`)
        .join('; ');
      return { pass: false, why: res.incomplete ? `validation stopped: ${res.incomplete}` : first };
    }
  }
}

export function runAssertions(list: HttpAssertion[], r: CheckedResponse): HttpAssertionResult[] {
  const body = new BodyView(r);
  const out: HttpAssertionResult[] = [];
  list.forEach((a, index) => {
    if (!a.enabled) return;
    const what = describe(a);
    try {
      const res = runAssertion(a, r, body);
      const actual =
        res.actual === undefined && a.source !== 'jsonpath' && a.source !== 'header'
          ? undefined
          : show(res.actual);
      out.push({
        index,
        pass: res.pass,
        actual,
        message: res.pass ? what : `${what} — ${res.why ?? `got ${actual ?? 'nothing'}`}`,
      });
    } catch (err) {
      if (!(err instanceof CheckError)) throw err;
      out.push({ index, pass: false, message: `${what} — ${err.message}` });
    }
  });
  return out;
}

export function runCaptures(list: HttpCapture[], r: CheckedResponse): HttpCaptureResult[] {
  const body = new BodyView(r);
  const out: HttpCaptureResult[] = [];
  for (const c of list) {
    if (!c.enabled) continue;
    const miss = (message: string) => out.push({ variable: c.variable, ok: false, message });
    if (c.source === 'status') {
      out.push({ variable: c.variable, ok: true, value: String(r.status) });
    } else if (c.source === 'header') {
      const v = header(r, c.path);
      if (v === undefined) miss(`no ${c.path} header`);
      else out.push({ variable: c.variable, ok: true, value: v });
    } else if (c.source === 'jsonpath') {
      const j = body.asJson();
      if (!j.ok) {
        miss(j.error);
        continue;
      }
      try {
        const m = evaluate(c.path || '$', j.value, 1)[0];
        if (!m) miss(`${c.path} matched nothing`);
        else
          out.push({
            variable: c.variable,
            ok: true,
            value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value),
          });
      } catch (err) {
        miss(err instanceof PathError ? `bad JSONPath: ${err.message}` : (err as Error).message);
      }
    } else {
      try {
        const m = regex(c.path).exec(body.asText().slice(0, HTTP_CHECK_LIMITS.maxRegexInputChars));
        if (!m) miss(`${c.path} matched nothing`);
        else out.push({ variable: c.variable, ok: true, value: m[1] ?? m[0] });
      } catch (err) {
        miss((err as Error).message);
      }
    }
  }
  return out;
}

export function runChecks(
  assertions: HttpAssertion[],
  captures: HttpCapture[],
  r: CheckedResponse,
): HttpCheckResults | undefined {
  if (!assertions.some((a) => a.enabled) && !captures.some((c) => c.enabled)) return undefined;
  const a = runAssertions(assertions, r);
  const passed = a.filter((x) => x.pass).length;
  return { assertions: a, captures: runCaptures(captures, r), passed, failed: a.length - passed };
}
