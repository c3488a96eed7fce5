import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k6Script } from '../../../src/main/engines/http-client/k6';
import { HttpRequestSpec } from '../../../src/shared/contract/http-client';

/** `node --check` parses the module (imports of k6/… are not resolved), so syntax errors fail here. */
function parses(script: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'wl-k6-'));
  try {
    const f = join(dir, 'script.mjs');
    writeFileSync(f, script);
    execFileSync(process.execPath, ['--check', f], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('k6 export', () => {
  it('same request and shape; assertions as checks and thresholds; hostile text stays inside strings', () => {
    const spec = HttpRequestSpec.parse({
      method: 'POST',
      url: "http://127.0.0.1:8080/users?q=a'b",
      headers: [{ name: 'X-Evil', value: "'); import fs from 'fs'; //\n" }],
      body: { type: 'json', text: '{"name": "Ada"}' },
      auth: { type: 'bearer', token: 't0k' },
      assertions: [
        { source: 'status', value: '201' },
        { source: 'jsonpath', path: '$.items[0].id', op: 'gt', value: '3' },
        { source: 'header', path: 'content-type', op: 'contains', value: 'json' },
        { source: 'responseTime', op: 'lt', value: '250' },
        { source: 'jsonSchema', value: '{"type":"object"}' },
        { source: 'jsonpath', path: '$.a[-1]', op: 'exists' },
      ],
    });
    const { script, skipped } = k6Script(spec, { requests: 1000, concurrency: 20, maxDurationMs: 30_000 });
    parses(script);
    expect(script).toContain("executor: 'shared-iterations'");
    expect(script).toContain('vus: 20,');
    expect(script).toContain('iterations: 1000,');
    expect(script).toContain("maxDuration: '30s'");
    expect(script).toContain(
      `http.request("POST", "http://127.0.0.1:8080/users?q=a'b", "{\\"name\\": \\"Ada\\"}"`,
    );
    expect(script).toContain('"Authorization":"Bearer t0k"');
    expect(script).toContain('"Content-Type":"application/json"');
    expect(script).toContain('"status eq 201": (r) => r.status == "201"');
    expect(script).toContain('Number(r.json("items.0.id")) > 3');
    expect(script).toContain('String(r.headers["Content-Type"]).includes("json")');
    expect(script).toContain('http_req_duration: ["max<250"]');
    expect(script).toContain("checks: ['rate==1.0']");
    expect(skipped).toEqual([
      'assertion "body is valid against the JSON Schema" (no k6 equivalent)',
      'assertion "jsonpath $.a[-1] exists" (no k6 equivalent)',
    ]);
  });
});
