// TLS inspector state in the renderer: the inspect form (kept in the workspace), the current report and
// the error of the last inspection, the running inspection's progress, the history list, and the
// raw-request result. Reports are large, deeply nested and never edited, so they sit in shallowRefs (no
// deep proxies). Named tls-inspector.ts, not tls.ts: the lint rule that keeps
// node's `tls` builtin out of the renderer matches any import path ending in /tls.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
// From the engine's own contract module: this store loads with the start page (the OSI map).
import { TLS_DEFAULTS } from '../../shared/contract/tls';
import type { TlsHistoryEntry, TlsInspectInput, TlsReport, TlsEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import { persisted } from '../lib/persisted';
import { useAppStore } from './app';

/** The inspect form as typed (numbers stay text until sent). The client key is never kept. */
export const TlsInspectForm = z.object({
  target: z.string(),
  scan: z.boolean(),
  clients: z.boolean().default(true),
  sni: z.string(),
  noSni: z.boolean(),
  alpn: z.string(),
  starttls: z.enum(['', 'smtp', 'imap', 'pop3', 'ftp']),
  caPem: z.string(),
  useSystemStore: z.boolean(),
  fetchIssuers: z.boolean(),
  checkRevocation: z.boolean().default(true),
  http: z.enum(['auto', 'always', 'never']),
  resumption: z.boolean(),
  clientCertPem: z.string(),
  timeoutMs: z.string(),
  concurrency: z.string(),
  rate: z.string(),
});
export type TlsInspectForm = z.infer<typeof TlsInspectForm>;

export const TLS_FORM_INITIAL: TlsInspectForm = {
  target: '',
  scan: true,
  clients: true,
  sni: '',
  noSni: false,
  alpn: TLS_DEFAULTS.defaultAlpn.join(', '),
  starttls: '',
  caPem: '',
  useSystemStore: true,
  fetchIssuers: true,
  checkRevocation: true,
  http: 'auto',
  resumption: true,
  clientCertPem: '',
  timeoutMs: String(TLS_DEFAULTS.timeoutMs),
  concurrency: String(TLS_DEFAULTS.scanConcurrency),
  rate: String(TLS_DEFAULTS.scanRatePerSecond),
};

export const TlsTab = z.enum(['summary', 'certificates', 'scan', 'clients', 'mass', 'request', 'history']);
export type TlsTab = z.infer<typeof TlsTab>;

export interface TlsProgress {
  phase: string;
  detail: string;
  handshakes: number;
}

export interface TlsRequestResult {
  sent: string;
  response: string;
  responseBytes: number;
  truncated: boolean;
  protocol: string;
  durationMs: number;
  closedBy: 'server' | 'timeout' | 'limit';
}

export const useTlsStore = defineStore('tls', () => {
  const api = useApi();
  const app = useAppStore();
  const form = persisted('tls.form', TlsInspectForm, TLS_FORM_INITIAL);
  const tab = persisted('tls.tab', TlsTab, 'summary');
  /** A private key is not written to the workspace file: it lives as long as the app runs. */
  const clientKeyPem = ref('');
  const report = shallowRef<TlsReport>();
  /** Why the last inspection failed; never shown together with an older host's report. */
  const error = shallowRef<unknown>();
  const running = ref(false);
  const session = ref<string>();
  const progress = ref<TlsProgress>();
  const history = shallowRef<TlsHistoryEntry[]>([]);
  const requestResult = shallowRef<TlsRequestResult>();
  let sessionCounter = 0;

  useEventRouter().on('tls', (batch) => {
    for (const e of batch) {
      if (e.engine !== 'tls' || e.session !== session.value) continue;
      const ev = e as TlsEvent;
      if (ev.type === 'progress')
        progress.value = { phase: ev.phase, detail: ev.detail, handshakes: ev.handshakes };
    }
  });

  async function inspect(input: TlsInspectInput): Promise<TlsReport> {
    const id = `ui-${Date.now().toString(36)}-${++sessionCounter}`;
    session.value = id;
    running.value = true;
    // The report on screen is about the target being replaced: it goes now, so that a failure below
    // cannot leave the previous host's report under this host's error.
    report.value = undefined;
    error.value = undefined;
    progress.value = { phase: 'connect', detail: 'starting', handshakes: 0 };
    try {
      const r = await unwrap(api.tls.inspect({ ...input, session: id }));
      report.value = r;
      void loadHistory();
      return r;
    } catch (err) {
      error.value = err;
      throw err;
    } finally {
      running.value = false;
      progress.value = undefined;
    }
  }

  async function cancel(): Promise<void> {
    if (session.value) await unwrap(api.tls.cancel({ session: session.value }));
  }

  async function loadHistory(): Promise<void> {
    try {
      history.value = (await unwrap(api.tls.history({}))).entries;
    } catch (err) {
      app.reportError(err);
    }
  }

  async function openHistory(id: string): Promise<void> {
    report.value = await unwrap(api.tls.historyReport({ id }));
    error.value = undefined;
  }

  async function clearHistory(): Promise<number> {
    const { removed } = await unwrap(api.tls.historyClear({}));
    history.value = [];
    return removed;
  }

  async function exportReport(
    format: 'json' | 'markdown',
  ): Promise<{ text: string; fileName: string; mime: string }> {
    if (!report.value) throw new Error('no report');
    return unwrap(api.tls.exportReport({ report: report.value, format }));
  }

  async function request(input: Parameters<typeof api.tls.request>[0]): Promise<TlsRequestResult> {
    const r = await unwrap(api.tls.request(input));
    requestResult.value = r;
    return r;
  }

  return {
    form,
    tab,
    clientKeyPem,
    error,
    report,
    running,
    progress,
    history,
    requestResult,
    inspect,
    cancel,
    loadHistory,
    openHistory,
    clearHistory,
    exportReport,
    request,
  };
});
