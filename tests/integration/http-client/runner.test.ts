// The collection runner over real sockets (the mock server's demo API), through `wirelab http run` in
// process: data rows as iterations, captures feeding later requests, bail, folders, exit codes, and a
// JUnit report that a strict XML parser accepts.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import { httpRun } from '../../../src/cli/commands/http-run';
import { commonOptions, UsageError, type Io } from '../../../src/cli/framework';
import { CollectionStore } from '../../../src/main/engines/http-client/collections';
import { parseCsv } from '../../../src/main/engines/http-client/run-data';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { HttpRequestSpec, type HttpRequestSpecInput } from '../../../src/shared/contract/http-client';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-run-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * A collection folder, run in file-name order: checks/3-status (fails), users/1-create (captures the id),
 * users/2-get.
 */
async function fixture() {
  const server = new HttpMockServer('t', { port: 0, host: '127.0.0.1' });
  cleanups.push(() => server.close());
  const info = await server.start();
  const dir = tmp();
  const store = new CollectionStore(dir);
  const c = store.create('API smoke');
  const save = (folder: string, name: string, spec: HttpRequestSpecInput) =>
    store.save(c.slug, folder, name, HttpRequestSpec.parse({ ...spec, options: { proxy: 'none' } }));
  save('users', '1 create', {
    method: 'POST',
    url: '{{base}}/users',
    body: { type: 'json', text: '{"name": "{{name}}"}' },
    assertions: [
      { source: 'status', value: '201' },
      { source: 'jsonpath', path: '$.name', value: '{{name}}' },
    ],
    captures: [{ variable: 'newId', source: 'jsonpath', path: '$.id' }],
  });
  save('users', '2 get', {
    url: '{{base}}/users/{{userId}}',
    assertions: [
      { source: 'status', value: '200' },
      { source: 'jsonpath', path: '$.id', op: 'eq', value: '{{userId}}' },
      { source: 'responseTime', op: 'lt', value: '10000' },
    ],
  });
  save('checks', '3 status', {
    url: '{{base}}/users/999',
    assertions: [{ source: 'status', value: '200' }],
  });
  const env = join(dir, 'env.json');
  writeFileSync(env, JSON.stringify({ name: 'local', variables: [{ name: 'base', value: info.url }] }));
  const data = join(dir, 'rows.csv');
  writeFileSync(data, 'name,userId\r\n"Ada, Countess",1\r\nGrace,2\r\n');
  return { collection: join(dir, c.slug), env, data, dir };
}

/** Parses XML, failing on any well-formedness error (xmldom alone recovers from many). */
function strictXml(text: string) {
  const errors: string[] = [];
  const doc = new DOMParser({
    // xmldom reports unclosed elements as warnings; a well-formed document produces none.
    errorHandler: {
      warning: (m: string) => errors.push(m),
      error: (m: string) => errors.push(m),
      fatalError: (m: string) => errors.push(m),
    },
  }).parseFromString(text, 'text/xml');
  if (errors.length) throw new Error(`invalid XML: ${errors.join('; ')}`);
  return doc;
}

async function cli(argv: string[]) {
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const lines: string[] = [];
  const io: Io = {
    json: argv.includes('--json'),
    interrupted: new Promise(() => undefined),
    stdin: process.stdin,
    stdout,
    out: (human, record) => lines.push(record ? JSON.stringify(record) : human),
    err: (m) => lines.push(`ERR ${m}`),
  };
  const parsed = parseArgs({
    args: argv,
    options: { ...commonOptions, ...httpRun.options },
    allowPositionals: true,
    strict: true,
  });
  const code = await httpRun.run(parsed as never, io);
  return { code, stdout: Buffer.concat(chunks).toString(), lines };
}

describe('wirelab http run', () => {
  it('data rows as iterations, JUnit report valid XML, exit 3 on a failed assertion', async () => {
    const f = await fixture();
    const out = join(f.dir, 'report.xml');
    const r = await cli([
      f.collection,
      '--env',
      f.env,
      '--data',
      f.data,
      '--reporter',
      'junit',
      '--out',
      out,
    ]);
    expect(r.code).toBe(3);
    expect(r.lines.at(-1)).toMatch(/^6 requests, 10 assertions passed, 2 failed, 0 requests failed \(done/);
    const doc = strictXml(readFileSync(out, 'utf8'));
    const root = doc.documentElement;
    expect(root?.nodeName).toBe('testsuites');
    expect(root?.getAttribute('tests')).toBe('6');
    expect(root?.getAttribute('failures')).toBe('2');
    const suites = Array.from(doc.getElementsByTagName('testsuite')).map((s) => s.getAttribute('name'));
    expect(suites).toEqual(['checks/3-status', 'users/1-create', 'users/2-get']);
    const cases = Array.from(doc.getElementsByTagName('testcase')).map((c) => c.getAttribute('name'));
    expect(cases).toContain('POST 1 create [iteration 1]');
    const failures = Array.from(doc.getElementsByTagName('failure')).map((x) => x.getAttribute('message'));
    expect(failures).toEqual(['status = 200 — got 404', 'status = 200 — got 404']);
  });

  it('a folder with passing assertions exits 0; the JSON reporter prints the summary', async () => {
    const f = await fixture();
    const r = await cli([
      f.collection,
      '--env',
      f.env,
      '--data',
      f.data,
      '--folder',
      'users',
      '--reporter',
      'json',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      requests: number;
      failedAssertions: number;
      results: { url: string }[];
    };
    expect(summary).toMatchObject({ requests: 4, failedAssertions: 0 });
    expect(summary.results.map((x) => x.url.replace(/^http:\/\/[^/]+/, ''))).toEqual([
      '/users',
      '/users/1',
      '/users',
      '/users/2',
    ]);
  });

  it('--bail stops at the first failure; -n repeats without data', async () => {
    const f = await fixture();
    writeFileSync(
      f.env,
      JSON.stringify({
        base: JSON.parse(readFileSync(f.env, 'utf8')).variables[0].value,
        name: 'X',
        userId: 1,
      }),
    );
    const r = await cli([f.collection, '--env', f.env, '-n', '3', '--bail', '--reporter', 'json']);
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout) as { state: string; requests: number };
    // checks/3-status comes first and fails: nothing after it runs.
    expect(s).toMatchObject({ state: 'bailed', requests: 1 });
    const all = await cli([
      f.collection,
      '--env',
      f.env,
      '-n',
      '3',
      '--folder',
      'users',
      '--reporter',
      'json',
    ]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ state: 'done', requests: 6, iterations: 3 });
  });

  it('bad input: reporter, missing collection, malformed CSV', async () => {
    const f = await fixture();
    await expect(cli([f.collection, '--reporter', 'xml'])).rejects.toBeInstanceOf(UsageError);
    await expect(cli([join(f.dir, 'nope')])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => parseCsv('a,b\n"open,1\n')).toThrow(/not closed/);
    expect(() => strictXml('<a><b></a>')).toThrow(/invalid XML/);
    expect(() => parseCsv('a,b\n1\n')).toThrow(/row 2 has 1 fields/);
    expect(parseCsv('a,b\n"x ""q""",2\n')).toEqual([{ a: 'x "q"', b: '2' }]);
  });
});
