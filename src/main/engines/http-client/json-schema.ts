// A bounded JSON Schema validator for response assertions: the keywords APIs use (type, enum, const,
// properties, required, additionalProperties, patternProperties, items/prefixItems, min/max for numbers,
// strings, arrays and objects, uniqueItems, pattern, allOf/anyOf/oneOf/not, if/then/else, local `$ref`s
// into the same schema) — drafts 4 to 2020-12 as far as these keywords agree. No remote `$ref`s, no
// code. Work is bounded by a step budget and a depth limit, so a hostile schema or body costs bounded time.
import { HTTP_CHECK_LIMITS } from '../../../shared/contract/http-checks';

export interface SchemaError {
  /** JSON Pointer into the instance. */
  at: string;
  message: string;
}

type Schema = boolean | Record<string, unknown>;

class Budget extends Error {}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function validateSchema(
  schema: unknown,
  instance: unknown,
  limits: { maxSteps: number; maxDepth: number; maxErrors: number } = {
    maxSteps: HTTP_CHECK_LIMITS.maxSchemaSteps,
    maxDepth: HTTP_CHECK_LIMITS.maxSchemaDepth,
    maxErrors: 20,
  },
): { valid: boolean; errors: SchemaError[]; incomplete?: string } {
  const root = schema;
  let steps = 0;
  const errors: SchemaError[] = [];

  function resolveRef(ref: string): Schema {
    if (!ref.startsWith('#')) throw new Error(`only local $refs ("#/…") are followed, not ${ref}`);
    let node: unknown = root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key))
        throw new Error(`$ref ${ref} points nowhere`);
      node = (node as Record<string, unknown>)[key];
    }
    return node as Schema;
  }

  /** Errors for `v` against `s`; `collect` false when only pass/fail matters (anyOf, not, …). */
  function check(s: Schema, v: unknown, at: string, depth: number, out: SchemaError[]): void {
    if (++steps > limits.maxSteps) throw new Budget(`more than ${limits.maxSteps} validation steps`);
    if (depth > limits.maxDepth) throw new Budget(`nesting deeper than ${limits.maxDepth}`);
    if (s === true) return;
    if (s === false) return void out.push({ at, message: 'no value is allowed here' });
    if (typeof s !== 'object' || s === null) throw new Error('a schema must be an object or a boolean');
    const fail = (message: string) => out.push({ at, message });
    if (typeof s.$ref === 'string') {
      check(resolveRef(s.$ref), v, at, depth + 1, out);
      // Draft 4–7 ignore siblings of $ref; 2019+ apply them. Applying them is the stricter reading.
    }
    const t = s.type;
    if (typeof t === 'string' && !typeMatches(v, t)) return void fail(`expected ${t}, got ${typeOf(v)}`);
    if (Array.isArray(t) && !t.some((x) => typeof x === 'string' && typeMatches(v, x)))
      return void fail(`expected ${t.join(' or ')}, got ${typeOf(v)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => equal(e, v)))
      fail(`not one of ${JSON.stringify(s.enum).slice(0, 120)}`);
    if ('const' in s && !equal(s.const, v)) fail(`expected ${JSON.stringify(s.const).slice(0, 120)}`);

    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) fail(`${v} < minimum ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) fail(`${v} > maximum ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum)
        fail(`${v} ≤ exclusiveMinimum ${s.exclusiveMinimum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum)
        fail(`${v} ≥ exclusiveMaximum ${s.exclusiveMaximum}`);
      if (
        typeof s.multipleOf === 'number' &&
        s.multipleOf > 0 &&
        Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9
      )
        fail(`${v} is not a multiple of ${s.multipleOf}`);
    }
    if (typeof v === 'string') {
      const len = [...v].length;
      if (typeof s.minLength === 'number' && len < s.minLength)
        fail(`shorter than ${s.minLength} characters`);
      if (typeof s.maxLength === 'number' && len > s.maxLength) fail(`longer than ${s.maxLength} characters`);
      if (typeof s.pattern === 'string') {
        let re: RegExp;
        try {
          re = new RegExp(s.pattern, 'u');
        } catch {
          throw new Error(`pattern ${s.pattern} is not a valid regular expression`);
        }
        if (!re.test(v.slice(0, HTTP_CHECK_LIMITS.maxRegexInputChars))) fail(`does not match ${s.pattern}`);
      }
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) fail(`fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) fail(`more than ${s.maxItems} items`);
      if (s.uniqueItems === true) {
        const seen: unknown[] = [];
        for (const x of v) {
          if (++steps > limits.maxSteps) throw new Budget(`more than ${limits.maxSteps} validation steps`);
          if (seen.some((y) => equal(x, y))) {
            fail('items are not unique');
            break;
          }
          seen.push(x);
        }
      }
      const prefix = Array.isArray(s.prefixItems)
        ? (s.prefixItems as Schema[])
        : Array.isArray(s.items)
          ? (s.items as Schema[])
          : [];
      prefix.forEach((ps, i) => {
        if (i < v.length) check(ps, v[i], `${at}/${i}`, depth + 1, out);
      });
      const rest =
        !Array.isArray(s.items) && s.items !== undefined
          ? (s.items as Schema)
          : Array.isArray(s.items)
            ? (s.additionalItems as Schema | undefined)
            : undefined;
      if (rest !== undefined)
        for (let i = prefix.length; i < v.length; i++) check(rest, v[i], `${at}/${i}`, depth + 1, out);
      if (s.contains !== undefined && !v.some((x) => passes(s.contains as Schema, x, depth + 1)))
        fail('no item matches "contains"');
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
        fail(`fewer than ${s.minProperties} properties`);
      if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
        fail(`more than ${s.maxProperties} properties`);
      if (Array.isArray(s.required))
        for (const k of s.required)
          if (typeof k === 'string' && !Object.hasOwn(obj, k)) fail(`missing required property "${k}"`);
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>).map(
        ([p, ps]) => [new RegExp(p, 'u'), ps] as const,
      );
      for (const k of keys) {
        let known = false;
        if (Object.hasOwn(props, k)) {
          known = true;
          check(props[k] as Schema, obj[k], `${at}/${ptr(k)}`, depth + 1, out);
        }
        for (const [re, ps] of patterns)
          if (re.test(k)) {
            known = true;
            check(ps, obj[k], `${at}/${ptr(k)}`, depth + 1, out);
          }
        if (!known && s.additionalProperties !== undefined) {
          if (s.additionalProperties === false) fail(`property "${k}" is not allowed`);
          else check(s.additionalProperties as Schema, obj[k], `${at}/${ptr(k)}`, depth + 1, out);
        }
      }
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) check(sub, v, at, depth + 1, out);
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => passes(sub, v, depth + 1)))
      fail('matches none of "anyOf"');
    if (Array.isArray(s.oneOf)) {
      const n = (s.oneOf as Schema[]).filter((sub) => passes(sub, v, depth + 1)).length;
      if (n !== 1) fail(`matches ${n} of "oneOf" (exactly one expected)`);
    }
    if (s.not !== undefined && passes(s.not as Schema, v, depth + 1)) fail('matches "not"');
    if (s.if !== undefined) {
      const branch = passes(s.if as Schema, v, depth + 1) ? s.then : s.else;
      if (branch !== undefined) check(branch as Schema, v, at, depth + 1, out);
    }
  }

  function passes(s: Schema, v: unknown, depth: number): boolean {
    const sink: SchemaError[] = [];
    check(s, v, '', depth, sink);
    return sink.length === 0;
  }

  try {
    check(schema as Schema, instance, '', 0, errors);
  } catch (err) {
    if (err instanceof Budget)
      return { valid: false, errors: errors.slice(0, limits.maxErrors), incomplete: err.message };
    throw err;
  }
  return { valid: errors.length === 0, errors: errors.slice(0, limits.maxErrors) };
}
