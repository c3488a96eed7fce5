// Assertions and captures through the composer service against the mock server's demo API: results come
// back with the response, captured values land in the environment and feed the next request.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClientService } from '../../../src/main/engines/http-client/service';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { HttpRequestSpec, type HttpClientEvent } from '../../../src/shared/contract/http-client';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const server = new HttpMockServer('t', { port: 0, host: '127.0.0.1' });
  cleanups.push(() => server.close());
  const info = await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'wl-checks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const svc = new HttpClientService({ dir });
  cleanups.push(() => svc.close());
  const events: HttpClientEvent[] = [];
  svc.on((e) => events.push(e));
  return { svc, base: info.url, events };
}

describe('composer assertions and captures', () => {
  it('reports pass/fail with the response and stores captures in the active environment', async () => {
    const { svc, base, events } = await setup();
    svc.environmentsSet({ active: 'dev', environments: [{ name: 'dev', variables: [] }] });
    const created = await svc.send({
      request: HttpRequestSpec.parse({
        method: 'POST',
        url: `${base}/users`,
        body: { type: 'json', text: '{"name": "Grace"}' },
        options: { proxy: 'none' },
        assertions: [
          { source: 'status', op: 'eq', value: '201' },
          { source: 'jsonpath', path: '$.name', op: 'eq', value: 'Grace' },
          { source: 'header', path: 'content-type', op: 'contains', value: 'xml' },
          { source: 'jsonSchema', value: '{"type":"object","required":["id","name"]}' },
        ],
        captures: [{ variable: 'userId', source: 'jsonpath', path: '$.id' }],
      }),
      saveHistory: false,
    });
    expect(created.checks?.assertions.map((a) => a.pass)).toEqual([true, true, false, true]);
    expect(created.checks).toMatchObject({ passed: 3, failed: 1 });
    const id = created.checks?.captures[0]?.value;
    expect(id).toMatch(/^\d+$/);
    const env = svc.environmentsGet().environments[0];
    expect(env?.variables).toContainEqual({ name: 'userId', value: id, enabled: true });
    expect(events.some((e) => e.type === 'environments.changed')).toBe(true);

    // The captured value is a variable now: the next request (and its assertion) use it.
    const users = await svc.send({
      request: HttpRequestSpec.parse({
        url: `${base}/users/1`,
        options: { proxy: 'none' },
        assertions: [{ source: 'jsonpath', path: '$.id', op: 'lt', value: '{{userId}}' }],
      }),
      saveHistory: false,
    });
    expect(users.checks?.assertions[0]).toMatchObject({ pass: true });
  });

  it('without an environment, captures are kept for the app run and still substitute', async () => {
    const { svc, base } = await setup();
    await svc.send({
      request: HttpRequestSpec.parse({
        url: `${base}/users/3`,
        options: { proxy: 'none' },
        captures: [{ variable: 'uid', source: 'jsonpath', path: '$.id' }],
      }),
      saveHistory: false,
    });
    const r = await svc.send({
      request: HttpRequestSpec.parse({ url: `${base}/users/{{uid}}`, options: { proxy: 'none' } }),
      saveHistory: false,
    });
    expect(r.url).toBe(`${base}/users/3`);
    expect(r.checks).toBeUndefined();
  });
});
