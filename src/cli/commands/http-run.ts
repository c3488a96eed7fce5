// `wirelab http run COLLECTION`: the collection runner headless, for CI — like `newman run` or `bru run`.
// `wirelab http import openapi FILE`: an OpenAPI/Swagger document as such a collection folder.
// COLLECTION is a collection folder on disk (as the app saves them: collection.json and *.request.json
// files) or the name of one in the CLI's data directory. Exit 0 when every assertion passed, 3 when an
// assertion failed or a request got no response, 2 for bad input, 1 when the run could not happen.
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { HTTP_CLIENT_DEFAULTS, HttpEnvironment, HttpEnvironments } from '../../shared/contract/http-client';
import { HTTP_RUNNER_LIMITS } from '../../shared/contract/http-runner';
import { EngineError } from '../../main/engines/common/errors';
import { CollectionStore } from '../../main/engines/http-client/collections';
import { ConnectionPool } from '../../main/engines/http-client/connection-pool';
import { CookieJar } from '../../main/engines/http-client/cookies';
import { parseDataFile, type DataRow } from '../../main/engines/http-client/run-data';
import { jsonReport, junitReport } from '../../main/engines/http-client/run-report';
import { CollectionRun, underFolder } from '../../main/engines/http-client/runner';
import { openClient } from '../client';
import { EXIT, UsageError, intArg, type Command } from '../framework';
import { version } from '../version';

function cliHttpDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'wirelab', 'cli', 'http');
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('FILE_UNREADABLE', `${what} ${file}: ${(err as Error).message}`);
  }
}

/** A folder path, or a collection name in the CLI data directory. */
function locateCollection(arg: string): { store: CollectionStore; slug: string } {
  const p = resolve(arg);
  if (existsSync(p)) return { store: new CollectionStore(dirname(p)), slug: basename(p) };
  const root = join(cliHttpDir(), 'collections');
  if (existsSync(join(root, arg))) return { store: new CollectionStore(root), slug: arg };
  throw new EngineError('NOT_FOUND', `no collection folder ${arg} (nor one of that name in ${root})`);
}

/**
 * `--env`: a JSON file (one environment `{name, variables}`, an environments file, or a plain
 * `{"name": "value"}` object), else an environment's name in the CLI data directory.
 */
function loadEnvironment(arg: string): Map<string, string> {
  const asMap = (e: HttpEnvironment) =>
    new Map(e.variables.filter((v) => v.enabled && v.name).map((v): [string, string] => [v.name, v.value]));
  if (existsSync(arg)) {
    let v: unknown;
    try {
      v = JSON.parse(readText(arg, 'environment file'));
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw new EngineError('INVALID_JSON', `environment file ${arg}: ${(err as Error).message}`);
    }
    const one = HttpEnvironment.safeParse(v);
    if (one.success) return asMap(one.data);
    const many = HttpEnvironments.safeParse(v);
    if (many.success) {
      const env =
        many.data.environments.find((e) => e.name === many.data.active) ?? many.data.environments[0];
      return env ? asMap(env) : new Map();
    }
    const flat = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).safeParse(v);
    if (flat.success)
      return new Map(Object.entries(flat.data).map(([k, x]): [string, string] => [k, String(x)]));
    throw new EngineError('INVALID_INPUT', `environment file ${arg}: not an environment`);
  }
  const file = join(cliHttpDir(), 'environments.json');
  const envs = existsSync(file)
    ? HttpEnvironments.safeParse(JSON.parse(readText(file, 'environments')))
    : undefined;
  const env = envs?.success ? envs.data.environments.find((e) => e.name === arg) : undefined;
  if (!env) throw new EngineError('NOT_FOUND', `no environment file or environment named ${arg}`);
  return asMap(env);
}

export const httpRun: Command = {
  path: ['http', 'run'],
  summary: 'Run a collection (or a folder of it) with assertions; JUnit or JSON report for CI',
  usage: `wirelab http run COLLECTION [--env E] [--data F] [--folder PATH] [-n N] [--delay MS] [--bail]
                 [--reporter json|junit] [--out F]

  COLLECTION      a collection folder (collection.json + *.request.json), or a collection's name
  --env E         a JSON environment file ({name, variables} or {"key": "value"}) or an environment name
  --data F        CSV (header row = variable names) or JSON (array of objects): one iteration per row
  --folder PATH   only the requests under this folder of the collection
  -n N            iterations without a data file (default 1, at most ${HTTP_RUNNER_LIMITS.maxIterations})
  --delay MS      pause between requests
  --bail          stop at the first failed assertion or failed request
  --reporter R    json or junit: the report goes to stdout, or to --out F (then a summary is printed)
Exit status: 0 all assertions passed, 3 an assertion failed or a request got no response.`,
  options: {
    env: { type: 'string' },
    data: { type: 'string' },
    folder: { type: 'string', default: '' },
    iterations: { type: 'string', short: 'n', default: '1' },
    delay: { type: 'string', default: '0' },
    bail: { type: 'boolean', default: false },
    reporter: { type: 'string' },
    out: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('http run needs COLLECTION');
    const reporter = values.reporter;
    if (reporter !== undefined && reporter !== 'json' && reporter !== 'junit')
      throw new UsageError(`--reporter must be json or junit, got "${String(reporter)}"`);
    const iterations = intArg(values.iterations, '-n', 1, HTTP_RUNNER_LIMITS.maxIterations);
    const delayMs = intArg(values.delay, '--delay', 0, HTTP_RUNNER_LIMITS.maxDelayMs);
    const { store, slug } = locateCollection(positionals[0] as string);
    const tree = store.tree(slug);
    const folder = typeof values.folder === 'string' ? values.folder : '';
    const listed = underFolder(tree.requests, folder);
    if (!listed.length)
      throw new EngineError('NOT_FOUND', `no requests in ${tree.name}${folder ? ` under ${folder}` : ''}`);
    const variables =
      typeof values.env === 'string' ? loadEnvironment(values.env) : new Map<string, string>();
    let data: DataRow[] | undefined;
    if (typeof values.data === 'string') {
      const text = readText(values.data, 'data file');
      const ext = extname(values.data).toLowerCase();
      data = parseDataFile(
        ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : text.trimStart().startsWith('[') ? 'json' : 'csv',
        text,
      );
      if (!data.length) throw new EngineError('INVALID_INPUT', `data file ${values.data} has no rows`);
    }
    const spoolDir = mkdtempSync(join(tmpdir(), 'wirelab-http-run-'));
    const pool = new ConnectionPool({
      maxIdlePerOrigin: HTTP_CLIENT_DEFAULTS.maxIdleConnectionsPerOrigin,
      idleTimeoutMs: HTTP_CLIENT_DEFAULTS.idleConnectionTimeoutMs,
    });
    const human = !io.json && (reporter === undefined || typeof values.out === 'string');
    const run = new CollectionRun(
      'cli',
      {
        collection: tree.name,
        requests: listed.map((r) => ({ ...store.get(slug, r.path), path: r.path })),
        variables,
        data,
        iterations,
        delayMs,
        bail: values.bail === true,
      },
      {
        jar: new CookieJar(),
        onCookiesChanged: () => undefined,
        spoolDir,
        pool,
        limits: {
          previewBytes: HTTP_CLIENT_DEFAULTS.previewBytes,
          maxBodyFileBytes: HTTP_CLIENT_DEFAULTS.maxBodyFileBytes,
          maxSpooledBodies: 1,
          maxResponseHeaderBytes: HTTP_CLIENT_DEFAULTS.maxResponseHeaderBytes,
        },
        userAgent: `Wirelab/${version}`,
      },
      (r) => {
        if (io.json && reporter === undefined) io.out('', { type: 'result', ...r });
        if (!human) return;
        const mark = r.code ? 'ERR ' : r.failed ? 'FAIL' : 'ok  ';
        const it = data || iterations > 1 ? `#${r.iteration} ` : '';
        io.out(`${mark} ${it}${r.method} ${r.path}  ${r.status ?? r.code}  ${r.durationMs.toFixed(1)} ms`);
        for (const a of r.assertions.filter((x) => !x.pass)) io.out(`       ✗ ${a.message}`);
        if (r.code) io.out(`       ✗ ${r.code}: ${r.message ?? ''}`);
      },
    );
    void io.interrupted.then(() => run.stop());
    let summary;
    try {
      summary = await run.start();
    } finally {
      pool.closeAll();
      rmSync(spoolDir, { recursive: true, force: true });
    }
    if (reporter) {
      const text = reporter === 'junit' ? junitReport(summary) : jsonReport(summary);
      if (typeof values.out === 'string') writeFileSync(values.out, text);
      else io.stdout.write(text);
    }
    if (io.json && reporter === undefined) {
      const { results: _r, ...counts } = summary;
      io.out('', { type: 'summary', ...counts });
    } else if (human)
      io.out(
        `${summary.requests} requests, ${summary.passedAssertions} assertions passed, ${summary.failedAssertions} failed, ${summary.failedRequests} requests failed (${summary.state}, ${summary.durationMs} ms)`,
      );
    if (summary.state === 'stopped') return EXIT.INTERRUPTED;
    return summary.failedAssertions || summary.failedRequests ? EXIT.PROBLEMS : EXIT.OK;
  },
};

export const httpImport: Command = {
  path: ['http', 'import'],
  summary: 'Import an OpenAPI 3.x / Swagger 2.0 file as a collection folder for http run',
  usage: `wirelab http import openapi FILE [--out DIR] [--json]

  FILE        JSON or YAML; $refs to files next to it are followed, remote ones are not
  --out DIR   write the collection as DIR/<name>/ (as the app saves collections) and its variables as
              DIR/<name>.env.json, ready for: wirelab http run DIR/<name> --env DIR/<name>.env.json
Without --out the requests are listed (--json: the imported collection as one record). What could not be
imported is listed as warnings on stderr. An invalid document exits 1 with OPENAPI_INVALID,
OPENAPI_REF_UNRESOLVED or IMPORT_FAILED.`,
  options: { out: { type: 'string' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 2 || positionals[0] !== 'openapi')
      throw new UsageError('http import needs openapi FILE');
    const client = openClient(['httpClient']);
    let collection;
    try {
      ({ collection } = await client.must(
        client.api.httpClient.importCollection({
          format: 'openapi',
          file: resolve(positionals[1] as string),
        }),
      ));
    } finally {
      await client.close();
    }
    for (const w of collection.warnings) io.err(`warning: ${w}`);
    if (typeof values.out === 'string') {
      const root = resolve(values.out);
      const tree = new CollectionStore(root).importCollection(collection);
      const envFile = join(root, `${tree.slug}.env.json`);
      const env: HttpEnvironment = { name: tree.name, variables: collection.variables };
      writeFileSync(envFile, `${JSON.stringify(env, null, 2)}\n`);
      const dir = join(root, tree.slug);
      io.out(
        `${tree.name}: ${tree.requests.length} requests written to ${dir}\nvariables: ${envFile}\nrun: wirelab http run ${dir} --env ${envFile}`,
        { type: 'written', name: tree.name, dir, environment: envFile, requests: tree.requests.length },
      );
      return EXIT.OK;
    }
    if (io.json) {
      io.out('', { type: 'collection', ...collection });
      return EXIT.OK;
    }
    io.out(`${collection.name}: ${collection.requests.length} requests`);
    for (const r of collection.requests)
      io.out(`  ${r.folder ? `${r.folder}/` : ''}${r.name}  ${r.request.method} ${r.request.url}`);
    const vars = collection.variables.map((v) => `${v.name}=${v.value}`).join(' ');
    if (vars) io.out(`variables: ${vars}`);
    return EXIT.OK;
  },
};
