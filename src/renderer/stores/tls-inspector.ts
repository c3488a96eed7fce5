// TLS inspector state in the renderer: the current report, the running inspection's progress, the
// history list, and the raw-request result. Reports are large, deeply nested and never edited, so they
// sit in shallowRefs (no deep proxies). Named tls-inspector.ts, not tls.ts: the lint rule that keeps
// node's `tls` builtin out of the renderer matches any import path ending in /tls.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { TlsHistoryEntry, TlsInspectInput, TlsReport, TlsEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import { useAppStore } from './app';

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
  const report = shallowRef<TlsReport>();
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
    progress.value = { phase: 'connect', detail: 'starting', handshakes: 0 };
    try {
      const r = await unwrap(api.tls.inspect({ ...input, session: id }));
      report.value = r;
      void loadHistory();
      return r;
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
