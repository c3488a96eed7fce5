// `wirelab http import openapi FILE`: the listing, --json, --out (a collection folder and its environment
// that `wirelab http run` then runs against a real mock server), and the exit status for a broken file.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { cli, jsonLines } from '../../helpers/cli';

const FIX = join(__dirname, 'openapi-fixtures');

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-openapi-cli-'));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('wirelab http import openapi', () => {
  it('lists the requests; --json gives the collection; warnings go to stderr', async () => {
    const listed = await cli(['http', 'import', 'openapi', join(FIX, 'petstore', 'openapi.yaml')]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('Petstore: 6 requests');
    expect(listed.out).toContain('pets/List pets  GET {{baseUrl}}/pets?limit=1');
    expect(listed.err).toContain('warning: GET /pets: cookie parameter "session" not imported');
    const json = await cli(['http', 'import', 'openapi', join(FIX, 'swagger2.json'), '--json']);
    expect(json.code).toBe(0);
    expect(jsonLines(json.out)[0]).toMatchObject({ type: 'collection', name: 'Legacy shop' });
  });

  it('--out writes a collection folder and environment that http run runs against a mock server', async () => {
    const server = new HttpMockServer('t', { port: 0, host: '127.0.0.1', echo: true, demoApi: false });
    onTestFinished(() => server.close());
    const info = await server.start();
    const dir = tmp();
    const spec = join(dir, 'echo.yaml');
    writeFileSync(
      spec,
      [
        'openapi: 3.1.0',
        'info: { title: Echo API, version: "1" }',
        `servers: [{ url: "${info.url}/v1" }]`,
        'paths:',
        '  /things/{id}:',
        '    parameters: [{ name: id, in: path, required: true, schema: { type: integer, example: 5 } }]',
        '    get: { operationId: getThing, tags: [things], responses: { "200": { description: ok } } }',
        '    put:',
        '      operationId: putThing',
        '      tags: [things]',
        '      requestBody: { content: { application/json: { schema: { type: object, properties: { n: { type: integer } } } } } }',
        '      responses: { "200": { description: ok } }',
      ].join('\n'),
    );
    const out = join(dir, 'collections');
    const imported = await cli(['http', 'import', 'openapi', spec, '--out', out]);
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('Echo API: 2 requests written to');
    expect(readdirSync(out).sort()).toEqual(['echo-api', 'echo-api.env.json']);
    const run = await cli([
      'http',
      'run',
      join(out, 'echo-api'),
      '--env',
      join(out, 'echo-api.env.json'),
      '--reporter',
      'json',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as { results: { method: string; status: number; path: string }[] };
    expect(report.results.map((r) => `${r.method} ${r.status}`).sort()).toEqual(['GET 200', 'PUT 200']);
  });

  it('exit 1 with the code for an invalid document, 2 for a missing argument', async () => {
    const bad = await cli(['http', 'import', 'openapi', join(FIX, 'invalid.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('OPENAPI_INVALID');
    const usage = await cli(['http', 'import', 'postman']);
    expect(usage.code).toBe(2);
  });
});
