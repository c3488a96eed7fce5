// OpenAPI import on swagger-parser with real files: an OpenAPI 3.0 petstore whose schemas live in other
// files (two levels of external $ref) and contain a cycle, a Swagger 2.0 document, and the coded errors for
// invalid documents, missing and remote references, pasted text with file references and size limits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { importOpenApiDocument, OPENAPI_IMPORT_LIMITS } from '../../../src/main/engines/http-client/openapi';
import { testServices } from '../../helpers/services';

const FIX = join(__dirname, 'openapi-fixtures');

describe('OpenAPI import', () => {
  it('OpenAPI 3 with external $refs (two files deep), a circular schema, tags as folders, params as variables', async () => {
    const c = await importOpenApiDocument({ file: join(FIX, 'petstore', 'openapi.yaml') });
    expect(c.name).toBe('Petstore');
    expect(c.variables).toContainEqual({ name: 'baseUrl', value: 'https://eu.pets.test/v1', enabled: true });
    expect(c.variables).toContainEqual({ name: 'petId', value: '42', enabled: true });
    expect(c.variables).toContainEqual({ name: 'token', value: '', enabled: true });
    const by = (name: string) => c.requests.find((r) => r.name === name);
    expect(by('List pets')).toMatchObject({
      folder: 'pets',
      request: {
        method: 'GET',
        url: '{{baseUrl}}/pets?limit=1',
        auth: { type: 'bearer', token: '{{token}}' },
      },
    });
    // The body comes from ./schemas/pet.yaml, whose tags come from ./schemas/common.yaml; readOnly id is left out.
    const add = by('Add a pet');
    expect(add?.request.body.type).toBe('json');
    expect(JSON.parse((add?.request.body as { text: string }).text)).toEqual({
      name: 'Rex',
      status: 'available',
      tags: [{ label: 'friendly' }],
    });
    expect(by('getPet')?.request.url).toBe('{{baseUrl}}/pets/{{petId}}');
    expect(by('deletePet')?.request.auth).toEqual({
      type: 'basic',
      username: '{{username}}',
      password: '{{password}}',
    });
    const order = by('Place an order');
    expect(order?.folder).toBe('store');
    expect(JSON.parse((order?.request.body as { text: string }).text)).toEqual({ petId: 7, quantity: 1 });
    // The self-referencing Category schema does not loop; an untagged operation has no folder.
    expect(by('Category tree')).toMatchObject({ folder: '', request: { method: 'GET' } });
    expect(c.warnings).toContainEqual(expect.stringContaining('cookie parameter "session"'));
    expect(c.requests).toHaveLength(6);
  });

  it('Swagger 2.0: host/basePath/schemes, body and formData parameters, basic and apiKey security', async () => {
    const c = await importOpenApiDocument({ file: join(FIX, 'swagger2.json') });
    expect(c.name).toBe('Legacy shop');
    expect(c.variables).toContainEqual({
      name: 'baseUrl',
      value: 'https://shop.test:8443/api',
      enabled: true,
    });
    expect(c.variables).toContainEqual({ name: 'itemId', value: 'abc', enabled: true });
    const put = c.requests.find((r) => r.name === 'Replace an item');
    expect(put).toMatchObject({
      folder: 'items',
      request: {
        method: 'PUT',
        url: '{{baseUrl}}/items/{{itemId}}',
        headers: [{ name: 'X-Trace', value: 't-1', enabled: true }],
        auth: { type: 'basic' },
      },
    });
    expect(JSON.parse((put?.request.body as { text: string }).text)).toEqual({ name: 'string', price: 1 });
    const upload = c.requests.find((r) => r.name === 'upload');
    expect(upload?.request.body).toMatchObject({
      type: 'multipart',
      parts: [
        { name: 'note', value: 'hello' },
        { name: 'file', value: '' },
      ],
    });
    expect(upload?.request.auth).toMatchObject({ type: 'apiKey', name: 'api_key', in: 'query' });
  });

  it('the same document as pasted text imports when it has no file references', async () => {
    const text = await readFile(join(FIX, 'swagger2.json'), 'utf8');
    const c = await importOpenApiDocument({ text });
    expect(c.requests).toHaveLength(2);
  });

  it('coded errors: invalid document, missing file, remote ref, file refs in pasted text, not OpenAPI, too large', async () => {
    await expect(importOpenApiDocument({ file: join(FIX, 'invalid.yaml') })).rejects.toMatchObject({
      code: 'OPENAPI_INVALID',
      message: expect.stringContaining('/paths/~1x/get'),
    });
    await expect(importOpenApiDocument({ file: join(FIX, 'missing-ref.yaml') })).rejects.toMatchObject({
      code: 'OPENAPI_REF_UNRESOLVED',
      message: expect.stringContaining('nowhere.yaml'),
    });
    await expect(importOpenApiDocument({ file: join(FIX, 'remote-ref.yaml') })).rejects.toMatchObject({
      code: 'OPENAPI_REF_UNRESOLVED',
    });
    const pasted = await readFile(join(FIX, 'petstore', 'openapi.yaml'), 'utf8');
    await expect(importOpenApiDocument({ text: pasted })).rejects.toMatchObject({
      code: 'OPENAPI_REF_UNRESOLVED',
      message: expect.stringContaining('import the document'),
    });
    await expect(importOpenApiDocument({ text: '{"swagger": 2, "nope": true}' })).rejects.toMatchObject({
      code: 'IMPORT_FAILED',
    });
    await expect(importOpenApiDocument({ text: 'openapi: [unclosed' })).rejects.toMatchObject({
      code: 'IMPORT_FAILED',
    });
    await expect(importOpenApiDocument({ file: join(FIX, 'nope.yaml') })).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
    const dir = mkdtempSync(join(tmpdir(), 'wl-openapi-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"openapi":"3.0.0","x":"${'a'.repeat(OPENAPI_IMPORT_LIMITS.maxTotalBytes)}"}`);
    await expect(importOpenApiDocument({ file: big })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('through the dispatcher: a file import saved as a collection; text and file together refused', async () => {
    const services = testServices('wl-openapi-svc-');
    const d = services.dispatcher;
    const saved = await d.call('httpClient.importCollection', {
      format: 'openapi',
      file: join(FIX, 'petstore', 'openapi.yaml'),
      save: true,
    });
    expect(saved).toMatchObject({
      ok: true,
      value: { collection: { name: 'Petstore' }, saved: { name: 'Petstore' } },
    });
    expect(
      await d.call('httpClient.importCollection', { format: 'openapi', file: join(FIX, 'invalid.yaml') }),
    ).toMatchObject({ ok: false, error: { code: 'OPENAPI_INVALID' } });
    expect(
      await d.call('httpClient.importCollection', {
        format: 'openapi',
        file: 'x.yaml',
        text: 'openapi: 3.0.0',
      }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
