// Composer state in the renderer: the request being edited (one reactive draft), the last response, the
// history list, environments, cookies, collections and load runs. The request spec is the contract's
// own shape, so what is edited is exactly what is sent, saved and exported.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
// Runtime values from the engine's own contract modules: this store loads with the start page (the OSI
// map), which need not evaluate every engine's schemas.
import { HttpAuth, HttpBody } from '../../shared/contract/http-client';
import { HttpAssertionOp, HttpAssertionSource } from '../../shared/contract/http-checks';
import { HTTP_RUNNER_LIMITS } from '../../shared/contract/http-runner';
import type { HttpRunCounts, HttpRunResult } from '../../shared/contract';
import type {
  HttpCodeLanguage,
  HttpCollectionTree,
  HttpCookie,
  HttpEnvironments,
  HttpHistoryEntry,
  HttpLoadSummary,
  HttpRequestSpecInput,
  HttpResponse,
  HttpImportedCollection,
} from '../../shared/contract';
import { AppError, unwrap, useApi, useEventRouter } from '../api';
import { persisted } from '../lib/persisted';
import { useWorkspaceStore } from './workspace';

/** What the editor holds: the input shape with every part present. */
export interface DraftRequest {
  method: string;
  url: string;
  headers: { name: string; value: string; enabled: boolean }[];
  body: NonNullable<HttpRequestSpecInput['body']>;
  auth: NonNullable<HttpRequestSpecInput['auth']>;
  options: {
    timeoutMs: number;
    followRedirects: boolean;
    maxRedirects: number;
    verifyTls: boolean;
    httpVersion: 'auto' | '1.1' | '2';
    useCookies: boolean;
    reuseConnections: boolean;
    proxy: string;
    caPem?: string;
    clientCertPem?: string;
    clientKeyPem?: string;
  };
  assertions: DraftAssertion[];
  captures: DraftCapture[];
}

export interface DraftAssertion {
  enabled: boolean;
  source: z.infer<typeof HttpAssertionSource>;
  path: string;
  op: z.infer<typeof HttpAssertionOp>;
  value: string;
}

export interface DraftCapture {
  enabled: boolean;
  variable: string;
  source: 'jsonpath' | 'header' | 'regex' | 'status';
  path: string;
}

/** The runner panel's form, kept in the workspace. */
const RunForm = z.object({
  collection: z.string(),
  folder: z.string(),
  environment: z.string(),
  iterations: z.number(),
  delayMs: z.number(),
  bail: z.boolean(),
  dataFormat: z.enum(['csv', 'json']),
  dataText: z.string(),
});

const DraftAssertionSchema = z.object({
  enabled: z.boolean(),
  source: HttpAssertionSource,
  path: z.string(),
  op: HttpAssertionOp,
  value: z.string(),
});
const DraftCaptureSchema = z.object({
  enabled: z.boolean(),
  // Still being typed: may be empty until sent (empty ones are left out of the request).
  variable: z.string(),
  source: z.enum(['jsonpath', 'header', 'regex', 'status']),
  path: z.string(),
});

/**
 * The draft as kept in the workspace. Loose where a draft is legitimately unfinished (any method or URL
 * text), strict where the editor relies on a shape (body, auth); fields added later get their defaults.
 */
const DraftSchema = z
  .object({
    method: z.string(),
    url: z.string(),
    headers: z.array(z.object({ name: z.string(), value: z.string(), enabled: z.boolean() })),
    body: HttpBody,
    auth: HttpAuth,
    options: z.object({
      timeoutMs: z.number(),
      followRedirects: z.boolean(),
      maxRedirects: z.number(),
      verifyTls: z.boolean(),
      httpVersion: z.enum(['auto', '1.1', '2']),
      useCookies: z.boolean(),
      reuseConnections: z.boolean().default(true),
      proxy: z.string(),
      caPem: z.string().optional(),
      clientCertPem: z.string().optional(),
      clientKeyPem: z.string().optional(),
    }),
    assertions: z.array(DraftAssertionSchema).default([]),
    captures: z.array(DraftCaptureSchema).default([]),
  })
  .transform((d): DraftRequest => d);

export function emptyDraft(): DraftRequest {
  return {
    method: 'GET',
    url: '',
    headers: [],
    body: { type: 'none' },
    auth: { type: 'none' },
    options: {
      timeoutMs: 30_000,
      followRedirects: true,
      maxRedirects: 10,
      verifyTls: true,
      httpVersion: 'auto',
      useCookies: true,
      reuseConnections: true,
      proxy: 'env',
    },
    assertions: [],
    captures: [],
  };
}

/** A draft from a stored spec (history, collections, imports): every field copied, nothing shared. */
export function draftFrom(spec: HttpRequestSpecInput): DraftRequest {
  const d = emptyDraft();
  const o = spec.options ?? {};
  return {
    method: spec.method ?? 'GET',
    url: spec.url,
    headers: (spec.headers ?? []).map((h) => ({ name: h.name, value: h.value, enabled: h.enabled ?? true })),
    body: structuredClone(spec.body ?? { type: 'none' }),
    auth: structuredClone(spec.auth ?? { type: 'none' }),
    options: {
      timeoutMs: o.timeoutMs ?? d.options.timeoutMs,
      followRedirects: o.followRedirects ?? true,
      maxRedirects: o.maxRedirects ?? 10,
      verifyTls: o.verifyTls ?? true,
      httpVersion: o.httpVersion ?? 'auto',
      useCookies: o.useCookies ?? true,
      reuseConnections: o.reuseConnections ?? true,
      proxy: o.proxy ?? 'env',
      caPem: o.caPem,
      clientCertPem: o.clientCertPem,
      clientKeyPem: o.clientKeyPem,
    },
    assertions: (spec.assertions ?? []).map((a) => ({
      enabled: a.enabled ?? true,
      source: a.source,
      path: a.path ?? '',
      op: a.op ?? 'eq',
      value: a.value ?? '',
    })),
    captures: (spec.captures ?? []).map((c) => ({
      enabled: c.enabled ?? true,
      variable: c.variable,
      source: c.source,
      path: c.path ?? '',
    })),
  };
}

export function toSpec(d: DraftRequest): HttpRequestSpecInput {
  return {
    method: d.method,
    url: d.url,
    headers: d.headers.filter((h) => h.name.trim() !== ''),
    body: d.body,
    auth: d.auth,
    options: {
      ...d.options,
      caPem: d.options.caPem?.trim() ? d.options.caPem : undefined,
      clientCertPem: d.options.clientCertPem?.trim() ? d.options.clientCertPem : undefined,
      clientKeyPem: d.options.clientKeyPem?.trim() ? d.options.clientKeyPem : undefined,
    },
    assertions: d.assertions,
    captures: d.captures.filter((c) => c.variable.trim() !== ''),
  };
}

export const useHttpClientStore = defineStore('http-client', () => {
  const api = useApi();
  const draft = persisted('http.composer.draft', DraftSchema, emptyDraft());
  /** The composer's side panel and request section, kept like the draft. */
  const side = persisted(
    'http.composer.side',
    z.enum(['history', 'collections', 'env', 'tools', 'runner']),
    'history',
  );
  const runForm = persisted('http.runner.form', RunForm, {
    collection: '',
    folder: '',
    environment: '',
    iterations: 1,
    delayMs: 0,
    bail: false,
    dataFormat: 'csv',
    dataText: '',
  });
  const runSession = ref<string>();
  const runCounts = shallowRef<HttpRunCounts>();
  const runResults = shallowRef<HttpRunResult[]>([]);
  const runError = ref<unknown>();
  const section = persisted(
    'http.composer.section',
    z.enum(['query', 'headers', 'body', 'auth', 'checks', 'options']),
    'query',
  );
  const response = shallowRef<HttpResponse>();
  const sending = ref(false);
  const sendError = ref<unknown>();
  const history = shallowRef<HttpHistoryEntry[]>([]);
  const historyTotal = ref(0);
  const historySearch = ref('');
  const environments = ref<HttpEnvironments>({ active: null, environments: [] });
  const cookies = shallowRef<HttpCookie[]>([]);
  const collections = shallowRef<HttpCollectionTree[]>([]);
  const load = shallowRef<HttpLoadSummary>();
  const loadSession = ref<string>();
  let requestNo = 0;
  let currentId: string | undefined;

  useEventRouter().on('httpClient', (batch) => {
    for (const e of batch) {
      if (e.engine !== 'httpClient') continue;
      if ((e.type === 'load.progress' || e.type === 'load.done') && e.session === loadSession.value)
        load.value = e.summary;
      else if (e.type === 'history.changed') void refreshHistory().catch(() => undefined);
      else if (e.type === 'cookies.changed') void refreshCookies().catch(() => undefined);
      else if (e.type === 'environments.changed') void refreshEnvironments().catch(() => undefined);
      else if (e.type === 'run.result' && e.session === runSession.value) {
        runCounts.value = e.counts;
        if (runResults.value.length < HTTP_RUNNER_LIMITS.maxResults)
          runResults.value = [...runResults.value, e.result];
      } else if (e.type === 'run.done' && e.session === runSession.value) {
        const { results, ...counts } = e.summary;
        runCounts.value = counts;
        runResults.value = results;
      }
    }
  });

  // The engines restarted under the page: a load or collection run in progress died with them (its
  // session is gone), so it is shown stopped with why, never "running" forever.
  useWorkspaceStore().onEnginesRestarted(() => {
    if (load.value?.state === 'running') load.value = { ...load.value, state: 'stopped' };
    loadSession.value = undefined;
    if (runCounts.value?.state === 'running') {
      runCounts.value = { ...runCounts.value, state: 'stopped' };
      runError.value = new AppError({
        code: 'ENGINE_HOST_DOWN',
        message: 'the engines restarted during the run; start it again',
      });
    }
    runSession.value = undefined;
  });

  async function startRun(): Promise<void> {
    const f = runForm.value;
    runError.value = undefined;
    runResults.value = [];
    runCounts.value = undefined;
    try {
      const { session } = await unwrap(
        api.httpClient.runStart({
          collection: f.collection,
          folder: f.folder,
          environment: f.environment || undefined,
          data: f.dataText.trim() ? { format: f.dataFormat, text: f.dataText } : undefined,
          iterations: f.iterations,
          delayMs: f.delayMs,
          bail: f.bail,
        }),
      );
      runSession.value = session;
    } catch (err) {
      runError.value = err;
    }
  }

  async function stopRun(): Promise<void> {
    if (!runSession.value) return;
    const { results, ...counts } = await unwrap(api.httpClient.runStop({ session: runSession.value }));
    runCounts.value = counts;
    runResults.value = results;
  }

  /** Closes every kept connection; the next request to each origin connects (and is timed) afresh. */
  async function closeConnections(): Promise<number> {
    return (await unwrap(api.httpClient.connectionsClose({}))).closed;
  }

  /** Forgets the shown response; its spooled body file (a large body) is deleted by the engine. */
  function dropResponse(): void {
    const old = response.value;
    response.value = undefined;
    if (old?.bodyFile) void api.httpClient.releaseBody({ id: old.id }).catch(() => undefined);
  }

  async function send(): Promise<HttpResponse | undefined> {
    sendError.value = undefined;
    sending.value = true;
    currentId = `ui-${Date.now().toString(36)}-${++requestNo}`;
    try {
      const r = await unwrap(api.httpClient.send({ id: currentId, request: toSpec(draft.value) }));
      dropResponse();
      response.value = r;
      return r;
    } catch (err) {
      sendError.value = err;
      return undefined;
    } finally {
      sending.value = false;
      currentId = undefined;
    }
  }

  async function cancel(): Promise<void> {
    if (currentId) await unwrap(api.httpClient.cancel({ id: currentId }));
  }

  async function refreshHistory(): Promise<void> {
    const r = await unwrap(api.httpClient.historyList({ search: historySearch.value, limit: 200 }));
    history.value = r.entries;
    historyTotal.value = r.total;
  }
  async function deleteHistory(id: string): Promise<void> {
    await unwrap(api.httpClient.historyDelete({ id }));
  }
  async function clearHistory(): Promise<void> {
    await unwrap(api.httpClient.historyClear({}));
  }

  async function refreshEnvironments(): Promise<void> {
    environments.value = await unwrap(api.httpClient.environmentsGet({}));
  }
  async function saveEnvironments(next: HttpEnvironments): Promise<void> {
    environments.value = await unwrap(api.httpClient.environmentsSet(next));
  }

  async function refreshCookies(): Promise<void> {
    cookies.value = (await unwrap(api.httpClient.cookiesList({}))).cookies;
  }
  async function setCookie(c: HttpCookie): Promise<void> {
    cookies.value = (await unwrap(api.httpClient.cookieSet(c))).cookies;
  }
  async function deleteCookie(c: HttpCookie): Promise<void> {
    cookies.value = (
      await unwrap(api.httpClient.cookieDelete({ name: c.name, domain: c.domain, path: c.path }))
    ).cookies;
  }
  async function clearCookies(): Promise<void> {
    await unwrap(api.httpClient.cookiesClear({}));
    cookies.value = [];
  }

  async function refreshCollections(): Promise<void> {
    collections.value = (await unwrap(api.httpClient.collectionsList({}))).collections;
  }
  async function createCollection(name: string): Promise<HttpCollectionTree> {
    const c = await unwrap(api.httpClient.collectionCreate({ name }));
    await refreshCollections();
    return c;
  }
  async function saveToCollection(collection: string, folder: string, name: string): Promise<string> {
    const r = await unwrap(
      api.httpClient.requestSave({ collection, folder, name, request: toSpec(draft.value) }),
    );
    await refreshCollections();
    return r.path;
  }
  async function openSaved(collection: string, path: string): Promise<void> {
    const saved = await unwrap(api.httpClient.requestGet({ collection, path }));
    draft.value = draftFrom(saved.request);
  }
  async function deleteSaved(collection: string, path: string): Promise<void> {
    await unwrap(api.httpClient.requestDelete({ collection, path }));
    await refreshCollections();
  }
  async function deleteCollection(slug: string): Promise<void> {
    await unwrap(api.httpClient.collectionDelete({ slug }));
    await refreshCollections();
  }

  async function importCurl(text: string): Promise<string[]> {
    const r = await unwrap(api.httpClient.importCurl({ text }));
    draft.value = draftFrom(r.request);
    return r.warnings;
  }
  async function exportK6(requests: number, concurrency: number): Promise<string> {
    return (await unwrap(api.httpClient.exportK6({ request: toSpec(draft.value), requests, concurrency })))
      .script;
  }

  async function exportCode(language: HttpCodeLanguage): Promise<string> {
    return (await unwrap(api.httpClient.exportCode({ request: toSpec(draft.value), language }))).code;
  }
  /** `source.file`: an OpenAPI file the engines read (its $refs to files next to it are followed). */
  async function importCollection(
    format: 'openapi' | 'postman',
    source: { text: string } | { file: string },
  ): Promise<HttpImportedCollection> {
    const r = await unwrap(api.httpClient.importCollection({ format, ...source, save: true }));
    await refreshCollections();
    return r.collection;
  }

  async function startLoad(requests: number, concurrency: number): Promise<void> {
    load.value = undefined;
    const r = await unwrap(api.httpClient.loadStart({ request: toSpec(draft.value), requests, concurrency }));
    loadSession.value = r.session;
  }
  async function stopLoad(): Promise<void> {
    if (loadSession.value) load.value = await unwrap(api.httpClient.loadStop({ session: loadSession.value }));
  }

  return {
    draft,
    side,
    runForm,
    runCounts,
    runResults,
    runError,
    startRun,
    stopRun,
    section,
    response,
    sending,
    sendError,
    history,
    historyTotal,
    historySearch,
    environments,
    cookies,
    collections,
    load,
    send,
    cancel,
    closeConnections,
    refreshHistory,
    deleteHistory,
    clearHistory,
    refreshEnvironments,
    saveEnvironments,
    refreshCookies,
    setCookie,
    deleteCookie,
    clearCookies,
    refreshCollections,
    createCollection,
    saveToCollection,
    openSaved,
    deleteSaved,
    deleteCollection,
    importCurl,
    exportCode,
    exportK6,
    importCollection,
    startLoad,
    stopLoad,
  };
});
