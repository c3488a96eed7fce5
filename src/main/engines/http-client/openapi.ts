// OpenAPI import on a real parser: @apidevtools/swagger-parser reads Swagger 2.0 and OpenAPI 3.0/3.1
// (JSON or YAML), resolves every $ref — in the document and in files next to it — and validates the result
// against the specification's schema. Files are read through our own resolver, so the bytes and the number
// of files are bounded and remote references are never fetched. The dereferenced document then becomes
// composer requests (openapi-convert.ts).
import { readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type SwaggerParserType from '@apidevtools/swagger-parser';
import { parse as parseYaml } from 'yaml';
import type { HttpImportedCollection } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import { convertOpenApi, type Obj } from './openapi-convert';

/** Bounds of one import (docs/http-client.md). */
export const OPENAPI_IMPORT_LIMITS = {
  /** Bytes of the document and every file it references, together. */
  maxTotalBytes: 16 * 1024 * 1024,
  /** Files read for one import, the document included. */
  maxFiles: 200,
} as const;

export type OpenApiSource = { text: string; file?: undefined } | { file: string; text?: undefined };

interface FileInfo {
  url: string;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseText(text: string): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    try {
      doc = parseYaml(text, { maxAliasCount: 1000 });
    } catch (err) {
      throw new EngineError(
        'IMPORT_FAILED',
        `neither JSON nor YAML: ${(err as Error).message.split('\n')[0] ?? ''}`,
      );
    }
  }
  if (!isObj(doc)) throw new EngineError('IMPORT_FAILED', 'the document is not an object');
  if (typeof doc.openapi !== 'string' && typeof doc.swagger !== 'string')
    throw new EngineError(
      'IMPORT_FAILED',
      'not an OpenAPI or Swagger document (no "openapi" or "swagger" field)',
    );
  return doc;
}

/** The parser's error as one of our codes; its message already names the file and the JSON pointer. */
function mapError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as Error & { code?: string; name?: string; details?: unknown };
  const message = (e.message ?? String(err)).split('\n').slice(0, 6).join(' ').slice(0, 2000);
  // A reference no resolver may read (remote, with http off) surfaces as a SyntaxError with this text.
  if (
    e.code === 'ERESOLVER' ||
    e.code === 'EMISSINGPOINTER' ||
    e.code === 'EUNMATCHEDRESOLVER' ||
    /unable to resolve \$ref/i.test(message)
  )
    return new EngineError('OPENAPI_REF_UNRESOLVED', message, { cause: err });
  if (e.code === 'EPARSER' || e.code === 'EUNMATCHEDPARSER')
    return new EngineError('IMPORT_FAILED', message, { cause: err });
  return new EngineError('OPENAPI_INVALID', message, { cause: err });
}

/** Reads, resolves, validates and converts one OpenAPI/Swagger document. */
export async function importOpenApiDocument(source: OpenApiSource): Promise<HttpImportedCollection> {
  let total = 0;
  let files = 0;
  const count = (bytes: number, what: string): void => {
    total += bytes;
    files += 1;
    if (files > OPENAPI_IMPORT_LIMITS.maxFiles)
      throw new EngineError('LIMIT_EXCEEDED', `more than ${OPENAPI_IMPORT_LIMITS.maxFiles} files referenced`);
    if (total > OPENAPI_IMPORT_LIMITS.maxTotalBytes)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `${what}: the document and its references pass ${OPENAPI_IMPORT_LIMITS.maxTotalBytes} bytes`,
      );
  };
  /** The first coded error our resolver raised: the parser wraps it in an error of its own. */
  let resolverError: EngineError | undefined;
  const readBounded = async (
    path: string,
    what: string,
    missing: 'FILE_UNREADABLE' | 'OPENAPI_REF_UNRESOLVED' = 'FILE_UNREADABLE',
  ): Promise<Buffer> => {
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch (err) {
      throw new EngineError(missing, `${what} ${path}: ${(err as Error).message}`, { cause: err });
    }
    // Checked on the size before a byte is read, and again on what was read (the file may have grown).
    count(size, path);
    const bytes = await readFile(path);
    total += bytes.length - size;
    if (total > OPENAPI_IMPORT_LIMITS.maxTotalBytes)
      throw new EngineError('LIMIT_EXCEEDED', `${path} grew while it was read`);
    return bytes;
  };

  let doc: Obj;
  let base: string;
  if (source.file !== undefined) {
    const file = resolvePath(source.file);
    doc = parseText((await readBounded(file, 'OpenAPI document')).toString('utf8'));
    base = pathToFileURL(file).href;
  } else {
    count(Buffer.byteLength(source.text), 'the pasted document');
    doc = parseText(source.text);
    // Pasted text has no folder: a reference to another file cannot be resolved (and is said so).
    base = pathToFileURL(join(process.cwd(), 'pasted-openapi.json')).href;
  }
  const fromText = source.file === undefined;

  const fileResolver = {
    order: 1,
    canRead: (f: FileInfo) => f.url.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(f.url),
    read: async (f: FileInfo): Promise<Buffer> => {
      try {
        if (fromText)
          throw new EngineError(
            'OPENAPI_REF_UNRESOLVED',
            `$ref to another file (${f.url}) in pasted text: import the document's file instead`,
          );
        const path = f.url.startsWith('file:') ? new URL(f.url).pathname : f.url;
        return await readBounded(decodeURIComponent(path), 'referenced file', 'OPENAPI_REF_UNRESOLVED');
      } catch (err) {
        if (err instanceof EngineError) resolverError ??= err;
        throw err;
      }
    },
  };
  const options = {
    resolve: {
      file: fileResolver,
      // Remote references are not followed: an import never reaches the network.
      http: false,
    },
    dereference: { circular: true },
    validate: { schema: true, spec: true },
  };
  // Imported on the first OpenAPI import: the parser and its validators (ajv, the OpenAPI schemas) are
  // about 600 KB the engine host would otherwise compile at every start.
  const { default: SwaggerParser } = (await import('@apidevtools/swagger-parser')) as {
    default: typeof SwaggerParserType;
  };
  const parser = new SwaggerParser();
  const validate = parser.validate.bind(parser) as unknown as (
    path: string,
    api: Obj,
    opts: typeof options,
  ) => Promise<Obj>;
  let api: Obj;
  try {
    api = await validate(base, doc, options);
  } catch (err) {
    // The resolver's own coded errors arrive wrapped by the parser.
    throw resolverError ?? mapError(err);
  }
  return convertOpenApi(api);
}
