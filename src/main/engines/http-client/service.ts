// The HTTP composer engine as the dispatcher sees it: sends requests (cancellable, with a timeout),
// keeps history, environments, the cookie jar and collections under one folder of the data directory,
// imports and exports requests, and runs load tests. The composition root passes the folder; this class
// does not know where the data directory lives or which shell is running.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  HTTP_CLIENT_DEFAULTS,
  HttpCookie,
  HttpEnvironments,
  type HttpClientEvent,
  type HttpCollectionTree,
  type HttpLoadSummary,
  type HttpRequestSpec,
  type HttpResponse,
  type httpClientContract,
} from '../../../shared/contract/http-client';
import type { HttpRunSummary } from '../../../shared/contract/http-runner';
import { z as zod } from 'zod';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { JsonFile, type StorageProblem } from '../common/json-file';
import { CollectionStore } from './collections';
import { sendChecked, type ComposerLimits } from './composer';
import { CookieJar } from './cookies';
import { generateCode } from './codegen';
import { parseCurl } from './curl';
import { HistoryStore } from './history';
import { importPostman } from './importers';
import { importOpenApiDocument } from './openapi';
import { LoadRun } from './load';
import { applyVariables, parseUrl } from './prepare';
import { EnvironmentVariables } from './environments';
import { clearSpool, removeSpooled } from './spool';
import { ConnectionPool } from './connection-pool';
import { CollectionRun, underFolder } from './runner';
import { parseDataFile } from './run-data';
import { k6Script } from './k6';

type In<K extends keyof typeof httpClientContract> = z.output<(typeof httpClientContract)[K]['input']>;

export interface HttpClientServiceOptions {
  /** Folder for history, environments, cookies, collections and spooled bodies. */
  dir: string;
  userAgent?: string;
  limits?: Partial<ComposerLimits & { maxHistory: number; maxCookies: number }>;
  onStorageProblem?: (p: StorageProblem) => void;
}

const CookieFile = zod.object({ cookies: zod.array(HttpCookie).default([]) });
/** Finished load runs kept for loadGet; older ones are forgotten. */
const KEEP_FINISHED_RUNS = 10;

export class HttpClientService extends TypedEmitter<HttpClientEvent> {
  private readonly history: HistoryStore;
  private readonly envFile: JsonFile<typeof HttpEnvironments>;
  private readonly cookieFile: JsonFile<typeof CookieFile>;
  private readonly jar: CookieJar;
  private readonly collections: CollectionStore;
  private readonly inflight = new Map<string, AbortController>();
  private readonly runs = new Map<string, LoadRun>();
  /** Response id → its spooled body file, until the response is released. */
  private readonly spooled = new Map<string, string>();
  private readonly variables: EnvironmentVariables;
  private readonly spoolDir: string;
  private readonly pool = new ConnectionPool({
    maxIdlePerOrigin: HTTP_CLIENT_DEFAULTS.maxIdleConnectionsPerOrigin,
    idleTimeoutMs: HTTP_CLIENT_DEFAULTS.idleConnectionTimeoutMs,
  });
  private readonly ids = new IdSequence('req-');
  private readonly runIds = new IdSequence('load-');
  private readonly collectionRuns = new Map<string, CollectionRun>();
  private readonly collectionRunIds = new IdSequence('run-');
  private readonly limits: ComposerLimits;
  private readonly userAgent: string;

  constructor(private readonly opts: HttpClientServiceOptions) {
    super();
    const problem = opts.onStorageProblem ?? (() => undefined);
    const l = opts.limits ?? {};
    this.limits = {
      previewBytes: l.previewBytes ?? HTTP_CLIENT_DEFAULTS.previewBytes,
      maxBodyFileBytes: l.maxBodyFileBytes ?? HTTP_CLIENT_DEFAULTS.maxBodyFileBytes,
      maxSpooledBodies: l.maxSpooledBodies ?? HTTP_CLIENT_DEFAULTS.maxSpooledBodies,
      maxResponseHeaderBytes: l.maxResponseHeaderBytes ?? HTTP_CLIENT_DEFAULTS.maxResponseHeaderBytes,
    };
    this.userAgent = opts.userAgent ?? 'Wirelab';
    this.history = new HistoryStore(
      join(opts.dir, 'history.json'),
      l.maxHistory ?? HTTP_CLIENT_DEFAULTS.maxHistory,
      problem,
    );
    this.envFile = new JsonFile(join(opts.dir, 'environments.json'), HttpEnvironments, problem);
    this.variables = new EnvironmentVariables(this.envFile, () =>
      this.emit({
        engine: 'httpClient',
        type: 'environments.changed',
        session: 'environments',
        at: Date.now(),
      }),
    );
    this.cookieFile = new JsonFile(join(opts.dir, 'cookies.json'), CookieFile, problem);
    this.jar = new CookieJar(this.cookieFile.load().cookies, l.maxCookies ?? HTTP_CLIENT_DEFAULTS.maxCookies);
    this.collections = new CollectionStore(join(opts.dir, 'collections'));
    this.spoolDir = join(opts.dir, 'bodies');
    // Bodies from an earlier run are referred to by nothing (responses are not persisted).
    clearSpool(this.spoolDir);
  }

  connectionsClose(): { closed: number } {
    return { closed: this.pool.closeAll() };
  }

  async bodyRead(
    input: In<'bodyRead'>,
  ): Promise<{ bytes: Uint8Array<ArrayBuffer>; total: number; eof: boolean }> {
    const file = this.spooled.get(input.id);
    if (file === undefined) throw new EngineError('NOT_FOUND', `no spooled body for response ${input.id}`);
    const fh = await open(file, 'r').catch((err: unknown) => {
      throw new EngineError('FILE_UNREADABLE', `spooled body: ${(err as Error).message}`, { cause: err });
    });
    try {
      const total = (await fh.stat()).size;
      const length = Math.max(0, Math.min(input.length, total - input.offset));
      const bytes = new Uint8Array(length);
      const { bytesRead } = length ? await fh.read(bytes, 0, length, input.offset) : { bytesRead: 0 };
      return {
        bytes: bytesRead === length ? bytes : bytes.slice(0, bytesRead),
        total,
        eof: input.offset + bytesRead >= total,
      };
    } finally {
      await fh.close();
    }
  }

  releaseBody(input: In<'releaseBody'>): { released: boolean } {
    const file = this.spooled.get(input.id);
    if (file === undefined) return { released: false };
    this.spooled.delete(input.id);
    removeSpooled(file);
    return { released: true };
  }

  private saveCookies(): void {
    this.cookieFile.save({ cookies: this.jar.list() });
    this.emit({ engine: 'httpClient', type: 'cookies.changed', session: 'cookies', at: Date.now() });
  }

  async send(input: In<'send'>): Promise<HttpResponse> {
    const id = input.id ?? this.ids.next();
    if (this.inflight.has(id))
      throw new EngineError('INVALID_INPUT', `a request with id ${id} is already running`);
    const controller = new AbortController();
    this.inflight.set(id, controller);
    const timeoutMs = input.request.options.timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new EngineError('TIMEOUT', `no complete response within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const at = Date.now();
    try {
      const spec = applyVariables(input.request, this.variables.of(input.environment));
      const res = await sendChecked(
        spec,
        id,
        {
          jar: this.jar,
          onCookiesChanged: () => this.saveCookies(),
          spoolDir: this.spoolDir,
          pool: this.pool,
          limits: this.limits,
          userAgent: this.userAgent,
        },
        controller.signal,
      );
      if (res.checks)
        this.variables.store(
          input.environment,
          res.checks.captures
            .filter((c) => c.ok && c.value !== undefined)
            .map((c) => [c.variable, c.value ?? '']),
        );
      if (res.bodyFile) {
        // A resent id replaces its response: the old body file goes.
        removeSpooled(this.spooled.get(id));
        this.spooled.set(id, res.bodyFile);
      }
      if (input.saveHistory) {
        this.history.add({
          id,
          at,
          ...this.forHistory(input.request),
          status: res.status,
          httpVersion: res.httpVersion,
          durationMs: res.timing.total,
          bodyBytes: res.sizes.bodyDecoded,
        });
        this.emit({ engine: 'httpClient', type: 'history.changed', session: 'history', at: Date.now() });
      }
      return res;
    } catch (err) {
      const e = toEngineError(controller.signal.aborted ? (controller.signal.reason as unknown) : err);
      if (input.saveHistory) {
        this.history.add({
          id,
          at,
          ...this.forHistory(input.request),
          code: e.code,
          message: e.message.slice(0, 500),
          durationMs: Date.now() - at,
        });
        this.emit({ engine: 'httpClient', type: 'history.changed', session: 'history', at: Date.now() });
      }
      throw e;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(id);
    }
  }

  /** The request as history keeps it: bodies above maxHistoryBodyChars are left out (500 entries stay small). */
  private forHistory(request: HttpRequestSpec): { request: HttpRequestSpec; bodyOmittedChars?: number } {
    if (request.body.type === 'none' || request.body.type === 'binary') return { request };
    const size = JSON.stringify(request.body).length;
    if (size <= HTTP_CLIENT_DEFAULTS.maxHistoryBodyChars) return { request };
    return { request: { ...request, body: { type: 'none' } }, bodyOmittedChars: size };
  }

  cancel(input: In<'cancel'>): { cancelled: boolean } {
    const c = this.inflight.get(input.id);
    if (!c) return { cancelled: false };
    c.abort(new EngineError('CANCELLED', 'cancelled by the user'));
    return { cancelled: true };
  }

  historyList(input: In<'historyList'>) {
    return this.history.list(input.search, input.limit);
  }

  historyDelete(input: In<'historyDelete'>): Record<string, never> {
    this.history.delete(input.id);
    this.emit({ engine: 'httpClient', type: 'history.changed', session: 'history', at: Date.now() });
    return {};
  }

  historyClear(): Record<string, never> {
    this.history.clear();
    this.emit({ engine: 'httpClient', type: 'history.changed', session: 'history', at: Date.now() });
    return {};
  }

  environmentsGet(): HttpEnvironments {
    return this.envFile.load();
  }

  environmentsSet(input: In<'environmentsSet'>): HttpEnvironments {
    const names = new Set<string>();
    for (const e of input.environments) {
      if (names.has(e.name)) throw new EngineError('INVALID_INPUT', `two environments are named ${e.name}`);
      names.add(e.name);
    }
    if (input.active !== null && !names.has(input.active))
      throw new EngineError('INVALID_INPUT', `active environment ${input.active} does not exist`);
    this.envFile.save(input);
    return input;
  }

  cookiesList(): { cookies: HttpCookie[] } {
    return { cookies: this.jar.list() };
  }

  cookieSet(input: In<'cookieSet'>): { cookies: HttpCookie[] } {
    this.jar.put(input);
    this.saveCookies();
    return this.cookiesList();
  }

  cookieDelete(input: In<'cookieDelete'>): { cookies: HttpCookie[] } {
    this.jar.delete(input.name, input.domain, input.path);
    this.saveCookies();
    return this.cookiesList();
  }

  cookiesClear(): Record<string, never> {
    this.jar.clear();
    this.saveCookies();
    return {};
  }

  collectionsList(): { collections: HttpCollectionTree[] } {
    return { collections: this.collections.list() };
  }

  collectionCreate(input: In<'collectionCreate'>): HttpCollectionTree {
    return this.collections.create(input.name);
  }

  collectionDelete(input: In<'collectionDelete'>): Record<string, never> {
    this.collections.delete(input.slug);
    return {};
  }

  requestGet(input: In<'requestGet'>) {
    return this.collections.get(input.collection, input.path);
  }

  requestSave(input: In<'requestSave'>): { path: string } {
    return { path: this.collections.save(input.collection, input.folder, input.name, input.request) };
  }

  requestDelete(input: In<'requestDelete'>): Record<string, never> {
    this.collections.remove(input.collection, input.path);
    return {};
  }

  importCurl(input: In<'importCurl'>) {
    return parseCurl(input.text);
  }

  exportCode(input: In<'exportCode'>): { code: string } {
    let spec = input.request;
    try {
      spec = applyVariables(spec, this.variables.of(undefined));
    } catch {
      // A missing active environment leaves the {{variables}} in the snippet.
    }
    return { code: generateCode(spec, input.language) };
  }

  async importCollection(input: In<'importCollection'>) {
    const source = input.file !== undefined ? { file: input.file } : { text: input.text ?? '' };
    let collection;
    if (input.format === 'openapi') collection = await importOpenApiDocument(source);
    else if (source.file !== undefined)
      throw new EngineError('NOT_SUPPORTED', 'a Postman collection is imported from its text');
    else collection = importPostman(source.text);
    const saved = input.save ? this.collections.importCollection(collection) : undefined;
    return { collection, saved };
  }

  loadStart(input: In<'loadStart'>): { session: string } {
    const spec = applyVariables(input.request, this.variables.of(input.environment));
    // Errors a user can fix are reported by this call, not later in a load.done event.
    parseUrl(spec.url);
    if (spec.auth.type === 'digest')
      throw new EngineError(
        'NOT_SUPPORTED',
        'load runs do not answer Digest challenges; use basic or bearer auth',
      );
    const session = this.runIds.next();
    const run = new LoadRun(session, spec, {
      requests: input.requests,
      concurrency: input.concurrency,
      maxDurationMs: input.maxDurationMs,
      userAgent: this.userAgent,
      maxResponseHeaderBytes: this.limits.maxResponseHeaderBytes,
      onProgress: (summary) =>
        this.emit({ engine: 'httpClient', type: 'load.progress', session, at: Date.now(), summary }),
    });
    this.runs.set(session, run);
    const finished = [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - KEEP_FINISHED_RUNS));
    for (const k of finished) if (this.runs.get(k)?.finished) this.runs.delete(k);
    run.start().then(
      (summary) => this.emit({ engine: 'httpClient', type: 'load.done', session, at: Date.now(), summary }),
      (err: unknown) => {
        const e = toEngineError(err);
        const summary: HttpLoadSummary = {
          ...run.summary(true),
          state: 'stopped',
          errors: 1,
          errorCodes: { [e.code]: 1 },
        };
        this.emit({ engine: 'httpClient', type: 'load.done', session, at: Date.now(), summary });
      },
    );
    return { session };
  }

  runStart(input: In<'runStart'>): { session: string } {
    const tree = this.collections.tree(input.collection);
    const listed = underFolder(tree.requests, input.folder);
    if (!listed.length)
      throw new EngineError(
        'NOT_FOUND',
        `no requests in ${tree.name}${input.folder ? ` under ${input.folder}` : ''}`,
      );
    const data = input.data ? parseDataFile(input.data.format, input.data.text) : undefined;
    if (data && !data.length) throw new EngineError('INVALID_INPUT', 'the data file has no rows');
    const session = this.collectionRunIds.next();
    const run = new CollectionRun(
      session,
      {
        collection: tree.name,
        requests: listed.map((r) => ({ ...this.collections.get(tree.slug, r.path), path: r.path })),
        variables: this.variables.of(input.environment),
        data,
        iterations: input.iterations,
        delayMs: input.delayMs,
        bail: input.bail,
      },
      {
        jar: this.jar,
        onCookiesChanged: () => this.saveCookies(),
        spoolDir: this.spoolDir,
        pool: this.pool,
        // A run looks at statuses and checks; bodies past the preview are not kept.
        limits: { ...this.limits, maxSpooledBodies: 1 },
        userAgent: this.userAgent,
      },
      (result, summary) => {
        const { results: _r, ...counts } = summary;
        this.emit({ engine: 'httpClient', type: 'run.result', session, at: Date.now(), result, counts });
      },
    );
    this.collectionRuns.set(session, run);
    for (const [k, r] of this.collectionRuns)
      if (this.collectionRuns.size > KEEP_FINISHED_RUNS && r.finished) this.collectionRuns.delete(k);
    void run
      .start()
      .then((summary) =>
        this.emit({ engine: 'httpClient', type: 'run.done', session, at: Date.now(), summary }),
      );
    return { session };
  }

  exportK6(input: In<'exportK6'>): { script: string; skipped: string[] } {
    const spec = applyVariables(input.request, this.variables.of(input.environment));
    parseUrl(spec.url);
    return k6Script(spec, input);
  }

  runStop(input: In<'runStop'>): Promise<HttpRunSummary> {
    return this.collectionRun(input.session).stop();
  }

  runGet(input: In<'runGet'>): HttpRunSummary {
    return this.collectionRun(input.session).summary();
  }

  private collectionRun(session: string): CollectionRun {
    const r = this.collectionRuns.get(session);
    if (!r) throw new EngineError('NOT_FOUND', `no collection run ${session}`);
    return r;
  }

  loadStop(input: In<'loadStop'>): Promise<HttpLoadSummary> {
    return this.run(input.session).stop();
  }

  loadGet(input: In<'loadGet'>): HttpLoadSummary {
    return this.run(input.session).summary();
  }

  private run(session: string): LoadRun {
    const r = this.runs.get(session);
    if (!r) throw new EngineError('NOT_FOUND', `no load run ${session}`);
    return r;
  }

  async close(): Promise<void> {
    for (const c of this.inflight.values()) c.abort(new EngineError('CANCELLED', 'the app is closing'));
    await Promise.all([...this.runs.values()].map((r) => r.stop().catch(() => undefined)));
    this.runs.clear();
    await Promise.all([...this.collectionRuns.values()].map((r) => r.stop()));
    this.collectionRuns.clear();
    this.pool.closeAll();
    for (const file of this.spooled.values()) removeSpooled(file);
    this.spooled.clear();
  }
}
