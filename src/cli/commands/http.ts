// `wirelab http serve|request|load`: the mock server, the composer and load runs, headless.
// Requests from the CLI keep no history and no cookies between runs (each run has its own jar); large
// bodies are spooled to the system temp folder like the app spools them to its data directory.
import { createReadStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  HTTP_CLIENT_DEFAULTS,
  type HttpBody,
  type HttpLoadSummary,
  type HttpRequestSpec,
  type HttpResponse,
} from '../../shared/contract/http-client';
import { HTTP_SERVER_DEFAULTS, HttpRoute } from '../../shared/contract/http-server';
import { EngineError } from '../../main/engines/common/errors';
import { jsonProblem } from '../../main/engines/http-client/body';
import { clearSpool } from '../../main/engines/http-client/spool';
import { openClient } from '../client';
import { EXIT, UsageError, numArg, optNum, type Command, type Io } from '../framework';

function defaultCliDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'wirelab', 'cli');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];

/** Reads a routes file: a JSON or YAML array of routes, or an object with a `routes` array. */
export function loadRoutes(file: string): HttpRoute[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('FILE_UNREADABLE', `${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new EngineError(
      /\.ya?ml$/i.test(file) ? 'IMPORT_FAILED' : 'INVALID_JSON',
      `${file}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const arr = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object'
      ? (doc as { routes?: unknown }).routes
      : undefined;
  const parsed = z.array(HttpRoute).max(HTTP_SERVER_DEFAULTS.maxRoutes).safeParse(arr);
  if (!parsed.success)
    throw new EngineError(
      'INVALID_INPUT',
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

function headerList(values: string[]): { name: string; value: string; enabled: boolean }[] {
  return values.map((h) => {
    const c = h.indexOf(':');
    if (c <= 0)
      throw new EngineError('INVALID_HEADER', `-H ${JSON.stringify(h)} needs the form "Name: value"`);
    return { name: h.slice(0, c).trim(), value: h.slice(c + 1).trim(), enabled: true };
  });
}

/** --data TEXT: JSON when it parses as JSON (and no other Content-Type is given), @FILE sends a file. */
function bodyFrom(data: string | undefined, contentType: string | undefined): HttpBody {
  if (data === undefined) return { type: 'none' };
  if (data.startsWith('@'))
    return {
      type: 'binary',
      file: resolve(data.slice(1)),
      contentType: contentType ?? 'application/octet-stream',
    };
  if ((!contentType || contentType.includes('json')) && /^\s*[[{"]/.test(data)) {
    const problem = jsonProblem(data);
    if (problem) throw new EngineError('INVALID_JSON', `--data: ${problem}`);
    return { type: 'json', text: data };
  }
  return { type: 'raw', text: data, contentType: contentType ?? 'text/plain; charset=utf-8' };
}

/** The request as contract input; the dispatcher checks it (codes such as INVALID_URL) and fills defaults. */
function specFrom(
  method: string,
  url: string,
  values: Record<string, unknown>,
): z.input<typeof HttpRequestSpec> {
  const headers = headerList(list(values.header));
  const ct = headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
  return {
    method,
    url,
    headers,
    body: bodyFrom(str(values.data), ct),
    options: {
      timeoutMs: optNum(values.timeout),
      followRedirects: values['no-follow'] !== true,
      verifyTls: values.insecure !== true,
      httpVersion: values.http2 === true ? '2' : values['http1.1'] === true ? '1.1' : 'auto',
      caPem: str(values.cacert) ? readFileSync(str(values.cacert) as string, 'utf8') : undefined,
    },
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

function waterfall(r: HttpResponse): string[] {
  const t = r.timing;
  const phases: [string, number][] = [
    ['DNS lookup', t.dns],
    ['TCP connect', t.connect],
    ['TLS handshake', t.tls],
    ['Request sent', t.send],
    ['Waiting (TTFB)', t.ttfb],
    ['Download', t.download],
  ];
  const total = Math.max(t.total, 0.001);
  let at = 0;
  const width = 40;
  const lines = phases.map(([name, v]) => {
    const start = Math.round((at / total) * width);
    const len = Math.max(v > 0 ? 1 : 0, Math.round((v / total) * width));
    at += v;
    return `  ${name.padEnd(15)} ${' '.repeat(start)}${'█'.repeat(len).padEnd(width - start)} ${ms(v)}`;
  });
  lines.push(`  ${'Total'.padEnd(15)} ${' '.repeat(width)} ${ms(t.total)}`);
  return lines;
}

export const httpServe: Command = {
  path: ['http', 'serve'],
  summary: 'Run the mock HTTP server (Hello World, demo API, routes, static, echo)',
  usage: `wirelab http serve [--port N] [--host H] [--routes FILE] [--static DIR] [--listing] [--echo] [--cors]
                   [--tls [--no-h2]] [--no-demo] [--max-body BYTES] [--data-dir D] [--json]

  --port N        port (default 8000; 0 picks a free one and prints it)
  --host H        address to bind (default ${HTTP_SERVER_DEFAULTS.host})
  --routes FILE   JSON or YAML array of routes: {method, path, status, headers, body, delayMs}
                  path may use :params and *; body templates {{params.id}} {{query.x}} {{headers.h}}
  --static DIR    serve a folder (index.html, MIME types, ranges); --listing shows folder contents
  --echo          answer unmatched requests with the request as JSON
  --cors          add CORS headers and answer preflights
  --tls           HTTPS with the app certificate kept in --data-dir (default ${defaultCliDataDir()});
                  offers HTTP/2 and HTTP/1.1 on the one port (ALPN h2, http/1.1)
  --no-h2         with --tls, HTTP/1.1 only
  --no-demo       without the demo API (/users, /users/:id)
  --max-body N    request body limit in bytes (default ${HTTP_SERVER_DEFAULTS.maxBodyBytes})
Prints one line per request. Runs until Ctrl+C.`,
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string' },
    routes: { type: 'string' },
    static: { type: 'string' },
    listing: { type: 'boolean', default: false },
    echo: { type: 'boolean', default: false },
    cors: { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
    'no-h2': { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    'max-body': { type: 'string' },
    'data-dir': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values['no-h2'] === true && values.tls !== true)
      throw new UsageError('--no-h2 needs --tls (cleartext is HTTP/1.1 only)');
    const routes = str(values.routes) ? loadRoutes(str(values.routes) as string) : [];
    // Through the dispatcher (src/cli/client.ts): the contract's schema checks ranges and fills defaults.
    const client = openClient(['httpServer'], { dataDir: str(values['data-dir']) });
    try {
      client.onEvent((e) => {
        if (e.engine !== 'httpServer') return;
        if (e.type === 'request') {
          const r = e.request;
          io.out(
            `${r.remoteAddress} ${r.method} ${r.url} -> ${r.status} ${r.responseBytes}B ${r.durationMs.toFixed(1)}ms (${r.handler})${r.code ? ` ${r.code}` : ''}`,
            {
              type: 'request',
              ...r,
              body: Buffer.from(r.body).toString('utf8'),
            },
          );
        } else if (e.type === 'limit') io.err(`limit ${e.code}: ${e.message}`);
        else if (e.type === 'error') io.err(`server error ${e.code}: ${e.message}`);
      });
      const info = await client.must(
        client.api.httpServer.start({
          host: str(values.host),
          port: numArg(values.port),
          tls: values.tls === true,
          http2: values['no-h2'] === true ? false : undefined,
          routes,
          staticDir: str(values.static) ? resolve(str(values.static) as string) : null,
          staticListing: values.listing === true,
          echo: values.echo === true,
          cors: values.cors === true,
          demoApi: values['no-demo'] !== true,
          limits: values['max-body'] === undefined ? undefined : { maxBodyBytes: numArg(values['max-body']) },
        }),
      );
      io.out(
        `serving ${info.url} (${info.protocols.join(', ')})${info.fingerprint256 ? ` (certificate SHA-256 ${info.fingerprint256})` : ''}`,
        {
          type: 'listening',
          url: info.url,
          port: info.port,
          protocols: info.protocols,
          fingerprint256: info.fingerprint256,
        },
      );
      await io.interrupted;
      await client.must(client.api.httpServer.stop({ session: info.session }));
      client.flush();
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

const requestOptions = {
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  timing: { type: 'boolean', default: false },
  include: { type: 'boolean', short: 'i', default: false },
  'no-follow': { type: 'boolean', default: false },
  insecure: { type: 'boolean', short: 'k', default: false },
  cacert: { type: 'string' },
  http2: { type: 'boolean', default: false },
  'http1.1': { type: 'boolean', default: false },
  timeout: { type: 'string' },
  fail: { type: 'boolean', default: false },
} as const;

export const httpRequest: Command = {
  path: ['http', 'request'],
  summary: 'Send one HTTP request; print the response and its timing',
  usage: `wirelab http request [METHOD] URL [-H 'Name: value']… [-d BODY|@FILE] [--timing] [-i] [--json]
                     [--no-follow] [-k] [--cacert FILE] [--http2|--http1.1] [--timeout MS] [--fail]

  METHOD          GET (default), POST, PUT, PATCH, DELETE, HEAD, OPTIONS or any token
  -d BODY         request body: JSON when it looks like JSON (validated), else text; @FILE sends a file
  --timing        print DNS / connect / TLS / send / wait / download as a waterfall
  -i              print the response headers too
  -k              do not verify the server certificate; --cacert FILE trusts an extra CA (PEM)
  --fail          exit 1 when the status is 400 or more
Proxies come from HTTP_PROXY / HTTPS_PROXY / NO_PROXY. The body goes to stdout byte for byte (nothing
appended); with --json it is {"$b64": …} plus bodyText when it is UTF-8.`,
  options: requestOptions,
  async run({ values, positionals }, io) {
    if (positionals.length < 1 || positionals.length > 2)
      throw new UsageError('http request needs [METHOD] URL');
    const [method, url] =
      positionals.length === 2
        ? [positionals[0] as string, positionals[1] as string]
        : ['GET', positionals[0] as string];
    const spec = specFrom(method, url, values);
    // Through the dispatcher (src/cli/client.ts), with a folder of this run for cookies and large bodies:
    // no history, nothing kept between runs.
    clearSpool(join(tmpdir(), 'wirelab-http-bodies'));
    const client = openClient(['httpClient']);
    try {
      void io.interrupted.then(() => client.api.httpClient.cancel({ id: 'cli' }));
      const r = await client.must(
        client.api.httpClient.send({ id: 'cli', request: spec, saveHistory: false }),
      );
      return await printResponse(r, values, io);
    } finally {
      await client.close();
    }
  },
};

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Stdout gets the body byte for byte (the whole body, from its spool file when it was large), nothing added. */
async function printResponse(
  r: HttpResponse,
  values: Record<string, string | boolean | string[] | boolean[] | undefined>,
  io: Io,
): Promise<number> {
  if (io.json) {
    // The body as {"$b64": …} (exact bytes); `bodyText` too when it is UTF-8. The spool file is removed
    // with this run, so a truncated body says so instead of naming the file.
    const { bodyFile, ...rest } = r;
    const record: Record<string, unknown> = { type: 'response', ...rest };
    if (isUtf8(r.body)) record.bodyText = Buffer.from(r.body).toString('utf8');
    io.out('', record);
    if (bodyFile)
      io.err(`body truncated at ${r.body.length} of ${r.sizes.bodyDecoded} bytes in --json output`);
  } else {
    for (const h of r.redirects) io.err(`> ${h.status} ${h.method} ${h.url} -> ${h.location}`);
    if (values.include === true || values.timing === true) {
      io.err(`HTTP/${r.httpVersion} ${r.status} ${r.statusText}`);
      if (values.include === true) for (const [k, v] of r.headers) io.err(`${k}: ${v}`);
    }
    if (values.timing === true) {
      for (const l of waterfall(r)) io.err(l);
      io.err(
        `  headers ${r.sizes.responseHeaders} B, body ${r.sizes.bodyWire} B on the wire, ${r.sizes.bodyDecoded} B decoded${r.contentEncoding ? ` (${r.contentEncoding})` : ''}`,
      );
    }
    if (r.bodyFile) await pipeline(createReadStream(r.bodyFile), io.stdout, { end: false });
    else await writeAll(io.stdout, Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
  }
  return values.fail === true && r.status >= 400 ? EXIT.FAILED : EXIT.OK;
}

function writeAll(out: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (bytes.length === 0) return resolve();
    out.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

export const httpLoad: Command = {
  path: ['http', 'load'],
  summary: 'Send a request N times with concurrency C; print latency percentiles and req/s',
  usage: `wirelab http load URL -n N -c C [-X METHOD] [-H 'Name: value']… [-d BODY] [--duration MS] [--http2] [-k] [--json]

  -n N            requests in total (1..${HTTP_CLIENT_DEFAULTS.maxLoadRequests})
  -c C            connections (HTTP/1.1) or concurrent streams (HTTP/2), 1..${HTTP_CLIENT_DEFAULTS.maxLoadConcurrency}
  --duration MS   stop after this long even if not all were sent (default ${HTTP_CLIENT_DEFAULTS.maxLoadDurationMs})
Prints progress every second and a summary with p50/p90/p99, status counts and requests per second.`,
  options: {
    n: { type: 'string', short: 'n', default: '100' },
    c: { type: 'string', short: 'c', default: '10' },
    method: { type: 'string', short: 'X', default: 'GET' },
    duration: { type: 'string' },
    ...requestOptions,
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('http load needs exactly one URL');
    const n = numArg(values.n);
    const spec = specFrom(String(values.method), positionals[0] as string, values);
    // Through the dispatcher: loadStart checks the request and the limits, load.done carries the summary.
    const client = openClient(['httpClient']);
    try {
      const { api, must } = client;
      let session = '';
      let finish: (s: HttpLoadSummary) => void = () => {};
      const done = new Promise<HttpLoadSummary>((r) => (finish = r));
      client.onEvent((e) => {
        if (e.engine !== 'httpClient' || e.session !== session) return;
        if (e.type === 'load.done') finish(e.summary);
        else if (e.type === 'load.progress' && !io.json)
          io.err(
            `  ${e.summary.completed}/${n} done, ${e.summary.errors} errors, ${e.summary.requestsPerSecond.toFixed(0)} req/s`,
          );
      });
      ({ session } = await must(
        api.httpClient.loadStart({
          request: spec,
          requests: n,
          concurrency: numArg(values.c),
          maxDurationMs: optNum(values.duration),
        }),
      ));
      void io.interrupted.then(() => api.httpClient.loadStop({ session }));
      const s = await done;
      if (io.json) io.out('', { type: 'summary', ...s });
      else {
        io.out(
          `${s.completed} responses in ${(s.elapsedMs / 1000).toFixed(2)} s over HTTP/${s.httpVersion}: ${s.requestsPerSecond.toFixed(0)} req/s`,
        );
        io.out(
          `latency  min ${ms(s.latency.min)}  p50 ${ms(s.latency.p50)}  p90 ${ms(s.latency.p90)}  p99 ${ms(s.latency.p99)}  max ${ms(s.latency.max)}`,
        );
        io.out(
          `status   ${
            Object.entries(s.statusCounts)
              .map(([k, v]) => `${k}: ${v}`)
              .join('  ') || '-'
          }`,
        );
        if (s.errors)
          io.out(
            `errors   ${Object.entries(s.errorCodes)
              .map(([k, v]) => `${k}: ${v}`)
              .join('  ')}`,
          );
        const peak = Math.max(1, ...s.histogram.map((b) => b.count));
        for (const b of s.histogram)
          io.out(
            `  ≤${String(b.le).padStart(6)} ms ${'▇'.repeat(Math.round((b.count / peak) * 40)).padEnd(40)} ${b.count}`,
          );
      }
      return s.errors > 0 && s.completed === 0 ? EXIT.FAILED : EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
