import { describe, expect, it } from 'vitest';
import {
  runAssertions,
  runCaptures,
  runChecks,
  type CheckedResponse,
} from '../../../src/main/engines/http-client/checks';
import { validateSchema } from '../../../src/main/engines/http-client/json-schema';
import {
  HttpAssertion,
  HttpCapture,
  type HttpAssertionInput,
} from '../../../src/shared/contract/http-checks';

const body = {
  id: 7,
  name: 'Ada',
  tags: ['math', 'engines'],
  company: { name: 'Analytical Engines', founded: 1843 },
  items: [{ price: 3 }, { price: 5 }],
};
const res = (over: Partial<CheckedResponse> = {}): CheckedResponse => ({
  status: 201,
  headers: [
    ['Content-Type', 'application/json'],
    ['X-Request-Id', 'abc-123'],
  ],
  body: new TextEncoder().encode(JSON.stringify(body)),
  bodyTruncated: false,
  timeMs: 42.4,
  ...over,
});
const check = (a: HttpAssertionInput, r = res()) => runAssertions([HttpAssertion.parse(a)], r)[0];

describe('assertions', () => {
  it('status, header, response time with operators', () => {
    expect(check({ source: 'status', op: 'eq', value: '201' })?.pass).toBe(true);
    expect(check({ source: 'status', op: 'lt', value: '300' })?.pass).toBe(true);
    const bad = check({ source: 'status', op: 'eq', value: '200' });
    expect(bad).toMatchObject({ pass: false, actual: '201' });
    expect(bad?.message).toContain('status = 200');
    expect(check({ source: 'header', path: 'content-type', op: 'contains', value: 'json' })?.pass).toBe(true);
    expect(check({ source: 'header', path: 'X-Missing', op: 'notExists' })?.pass).toBe(true);
    expect(check({ source: 'header', path: 'x-request-id', op: 'matches', value: '^abc-\\d+$' })?.pass).toBe(
      true,
    );
    expect(check({ source: 'responseTime', op: 'lt', value: '500' })?.pass).toBe(true);
    expect(check({ source: 'responseTime', op: 'lt', value: '10' })?.pass).toBe(false);
  });

  it('JSONPath values: numbers, strings, arrays, wildcards, types, existence', () => {
    expect(check({ source: 'jsonpath', path: '$.id', op: 'eq', value: '7' })?.pass).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.id', op: 'gte', value: '8' })?.pass).toBe(false);
    expect(check({ source: 'jsonpath', path: '$.name', op: 'eq', value: 'Ada' })?.pass).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.name', op: 'eq', value: '"Ada"' })?.pass).toBe(true);
    expect(
      check({ source: 'jsonpath', path: "$.company['name']", op: 'contains', value: 'Engines' })?.pass,
    ).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.tags', op: 'contains', value: 'math' })?.pass).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.tags', op: 'eq', value: '["math","engines"]' })?.pass).toBe(
      true,
    );
    expect(check({ source: 'jsonpath', path: '$.items[*].price', op: 'eq', value: '[3,5]' })?.pass).toBe(
      true,
    );
    expect(check({ source: 'jsonpath', path: '$.items[-1].price', op: 'gt', value: '4' })?.pass).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.company', op: 'isType', value: 'object' })?.pass).toBe(true);
    expect(check({ source: 'jsonpath', path: '$.nope', op: 'exists' })?.pass).toBe(false);
    expect(check({ source: 'jsonpath', path: '$.nope', op: 'notExists' })?.pass).toBe(true);
  });

  it('bad input fails the assertion with a reason instead of throwing', () => {
    expect(check({ source: 'jsonpath', path: '$.[', op: 'eq', value: '1' })?.message).toContain(
      'bad JSONPath',
    );
    expect(check({ source: 'body', op: 'matches', value: '(' })?.message).toContain('bad regular expression');
    expect(check({ source: 'status', op: 'gt', value: 'abc' })?.message).toContain('as numbers');
    const notJson = res({ body: new TextEncoder().encode('<html>') });
    expect(check({ source: 'jsonpath', path: '$.id', op: 'eq', value: '7' }, notJson)?.message).toContain(
      'not JSON',
    );
  });

  it('body contains / matches, and a JSON Schema', () => {
    expect(check({ source: 'body', op: 'contains', value: 'Analytical' })?.pass).toBe(true);
    expect(check({ source: 'body', op: 'matches', value: '/"id":\\s*7/' })?.pass).toBe(true);
    const schema = JSON.stringify({
      type: 'object',
      required: ['id', 'name'],
      properties: {
        id: { type: 'integer', minimum: 1 },
        name: { type: 'string' },
        items: { type: 'array', items: { $ref: '#/$defs/item' } },
      },
      $defs: { item: { type: 'object', required: ['price'], properties: { price: { type: 'number' } } } },
    });
    expect(check({ source: 'jsonSchema', op: 'valid', value: schema })?.pass).toBe(true);
    const strict = JSON.stringify({
      type: 'object',
      required: ['email'],
      properties: { id: { type: 'string' } },
    });
    const r = check({ source: 'jsonSchema', op: 'valid', value: strict });
    expect(r?.pass).toBe(false);
    expect(r?.message).toContain('missing required property "email"');
    expect(r?.message).toContain('/id: expected string, got integer');
  });

  it('disabled assertions are skipped; runChecks counts', () => {
    const list = [
      HttpAssertion.parse({ source: 'status', value: '201' }),
      HttpAssertion.parse({ source: 'status', value: '500' }),
      HttpAssertion.parse({ source: 'status', value: '500', enabled: false }),
    ];
    const r = runChecks(list, [], res());
    expect(r).toMatchObject({ passed: 1, failed: 1 });
    expect(r?.assertions.map((a) => a.index)).toEqual([0, 1]);
    expect(runChecks([], [], res())).toBeUndefined();
  });
});

describe('captures', () => {
  it('JSONPath, header, regex group and status into variables; misses are reported', () => {
    const caps = [
      { variable: 'userId', source: 'jsonpath', path: '$.id' },
      { variable: 'company', source: 'jsonpath', path: '$.company' },
      { variable: 'reqId', source: 'header', path: 'x-request-id' },
      { variable: 'first', source: 'regex', path: '"name":"(\\w+)"' },
      { variable: 'code', source: 'status' },
      { variable: 'missing', source: 'jsonpath', path: '$.nope' },
    ].map((c) => HttpCapture.parse(c));
    expect(runCaptures(caps, res())).toEqual([
      { variable: 'userId', ok: true, value: '7' },
      { variable: 'company', ok: true, value: '{"name":"Analytical Engines","founded":1843}' },
      { variable: 'reqId', ok: true, value: 'abc-123' },
      { variable: 'first', ok: true, value: 'Ada' },
      { variable: 'code', ok: true, value: '201' },
      { variable: 'missing', ok: false, message: '$.nope matched nothing' },
    ]);
  });
});

describe('JSON Schema validator', () => {
  it('covers combinators, enums, const, additionalProperties, uniqueItems, if/then', () => {
    const v = (s: unknown, x: unknown) => validateSchema(s, x).valid;
    expect(v({ anyOf: [{ type: 'string' }, { type: 'null' }] }, null)).toBe(true);
    expect(v({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 3)).toBe(false);
    expect(v({ not: { type: 'string' } }, 3)).toBe(true);
    expect(v({ enum: ['a', 'b'] }, 'c')).toBe(false);
    expect(v({ const: { a: [1] } }, { a: [1] })).toBe(true);
    expect(v({ properties: { a: {} }, additionalProperties: false }, { a: 1, b: 2 })).toBe(false);
    expect(v({ uniqueItems: true }, [{ a: 1 }, { a: 1 }])).toBe(false);
    expect(v({ if: { properties: { t: { const: 'x' } } }, then: { required: ['x'] } }, { t: 'x' })).toBe(
      false,
    );
    expect(v({ type: 'string', minLength: 2, pattern: '^a' }, 'ab')).toBe(true);
    expect(v(false, 1)).toBe(false);
  });

  it('is bounded: a self-referencing schema and deep instances stop with a reason', () => {
    const loop = validateSchema({ $ref: '#' }, 1);
    expect(loop.valid).toBe(false);
    expect(loop.incomplete).toMatch(/deeper|steps/);
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const r = validateSchema({ $defs: { n: { items: { $ref: '#/$defs/n' } } }, $ref: '#/$defs/n' }, deep);
    expect(r.incomplete).toContain('deeper');
    expect(() => validateSchema({ $ref: 'http://example.test/s.json' }, 1)).toThrow(/only local/);
  });
});
