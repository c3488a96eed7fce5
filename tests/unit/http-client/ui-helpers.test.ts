// The composer page's pure helpers: the path language of the extraction panel and the URL ⇄ query table sync.
import { describe, expect, it } from 'vitest';
import { evaluate, formatPath, parsePath, PathError } from '../../../src/shared/json-path';
import { queryRows, withQuery } from '../../../src/renderer/pages/http/query';

const user = {
  id: 1,
  name: 'Ada',
  email: 'ada@x.test',
  company: { name: 'Engines', 'odd key': true },
  tags: ['a', 'b', 'c'],
};

describe('extraction paths', () => {
  it('pulls the exercise fields: name, email, company.name', () => {
    expect(evaluate('$.name', user)).toEqual([{ path: '$.name', value: 'Ada' }]);
    expect(evaluate('email', user)).toEqual([{ path: '$.email', value: 'ada@x.test' }]);
    expect(evaluate("$['company']['name']", user)).toEqual([{ path: '$.company.name', value: 'Engines' }]);
    expect(evaluate('$.company["odd key"]', user)).toEqual([{ path: "$.company['odd key']", value: true }]);
  });
  it('indexes, negative indexes and wildcards over arrays and objects', () => {
    expect(evaluate('$.tags[-1]', user)).toEqual([{ path: '$.tags[2]', value: 'c' }]);
    expect(evaluate('$.tags[*]', user).map((m) => m.value)).toEqual(['a', 'b', 'c']);
    expect(evaluate('$[*].id', [{ id: 1 }, { id: 2 }, { x: 3 }]).map((m) => m.path)).toEqual([
      '$[0].id',
      '$[1].id',
    ]);
    expect(evaluate('$.company.*', user)).toHaveLength(2);
    expect(evaluate('$', user)[0]?.value).toBe(user);
    expect(evaluate('$.missing.deeper', user)).toEqual([]);
    expect(
      evaluate(
        '$[*]',
        Array.from({ length: 5000 }, (_v, i) => i),
        100,
      ),
    ).toHaveLength(100);
  });
  it('does not reach inherited properties and reports syntax errors', () => {
    expect(evaluate('$.constructor', user)).toEqual([]);
    expect(() => parsePath('$.')).toThrow(PathError);
    expect(() => parsePath('$[abc]')).toThrow(PathError);
    expect(() => parsePath('$.a!')).toThrow(PathError);
    expect(formatPath(['a', 0, 'b c', "it's"])).toBe("$.a[0]['b c']['it\\'s']");
  });
});

describe('URL and query table', () => {
  it('splits, decodes and rebuilds, keeping {{variables}} and the fragment', () => {
    const url = 'http://h/p?a=1&b=two%20words&flag#frag';
    expect(queryRows(url)).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two words' },
      { name: 'flag', value: '' },
    ]);
    expect(
      withQuery(url, [
        { name: 'a', value: '2' },
        { name: 'x', value: '{{token}}' },
      ]),
    ).toBe('http://h/p?a=2&x={{token}}#frag');
    expect(withQuery('http://h/p?a=1', [])).toBe('http://h/p');
    expect(queryRows('http://h/p?bad=%ZZ')).toEqual([{ name: 'bad', value: '%ZZ' }]);
    expect(withQuery('http://h/p', [{ name: 'q', value: 'a&b=c' }])).toBe('http://h/p?q=a%26b%3Dc');
  });
});
