// Mass scans in the renderer: the form (kept in the workspace), the rows as they stream in, progress and
// ETA, cancel, and a previous scan to compare with (the last finished one, or one loaded from a JSON
// export). Rows are small and replaced, not mutated, so they sit in a shallowRef.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { z } from 'zod';
import { TLS_DEFAULTS, TlsMassRow } from '../../shared/contract';
import type { TlsEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import { persisted } from '../lib/persisted';

export const TlsMassForm = z.object({
  targets: z.string(),
  concurrency: z.string(),
  scan: z.boolean(),
  clients: z.boolean(),
  caPem: z.string(),
});

export const useTlsMassStore = defineStore('tls-mass', () => {
  const api = useApi();
  const form = persisted('tls.massForm', TlsMassForm, {
    targets: '',
    concurrency: String(TLS_DEFAULTS.massConcurrency),
    scan: false,
    clients: false,
    caPem: '',
  });
  const rows = shallowRef<TlsMassRow[]>([]);
  const previous = shallowRef<{ label: string; rows: TlsMassRow[] }>();
  const running = ref(false);
  const session = ref<string>();
  const total = ref(0);
  const startedAt = ref(0);
  const now = ref(0);
  const cancelled = ref(false);
  const error = shallowRef<unknown>();
  let counter = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;

  useEventRouter().on('tls', (batch) => {
    // Batches can arrive after the call's answer: only a running scan takes rows, each index once.
    if (!running.value) return;
    const seen = new Set(rows.value.map((r) => r.index));
    const fresh: TlsMassRow[] = [];
    for (const e of batch) {
      const ev = e as TlsEvent;
      if (ev.type === 'target' && ev.session === session.value && !seen.has(ev.row.index)) {
        seen.add(ev.row.index);
        fresh.push(ev.row);
      }
    }
    if (fresh.length) rows.value = [...rows.value, ...fresh];
  });

  const done = computed(() => rows.value.length);
  /** Remaining time from the average so far: shown once a first target has finished. */
  const etaMs = computed(() => {
    if (!running.value || done.value === 0) return undefined;
    const elapsed = now.value - startedAt.value;
    return (elapsed / done.value) * (total.value - done.value);
  });

  async function start(targets: string[]): Promise<void> {
    if (rows.value.length && !running.value)
      previous.value = { label: `previous scan (${rows.value.length} targets)`, rows: rows.value };
    const id = `ui-mass-${Date.now().toString(36)}-${++counter}`;
    session.value = id;
    rows.value = [];
    total.value = targets.length;
    cancelled.value = false;
    error.value = undefined;
    running.value = true;
    startedAt.value = Date.now();
    now.value = startedAt.value;
    ticker = setInterval(() => (now.value = Date.now()), 500);
    const f = form.value;
    const n = Number(f.concurrency.trim());
    try {
      const out = await unwrap(
        api.tls.inspectMany({
          targets,
          session: id,
          concurrency: f.concurrency.trim() === '' || !Number.isFinite(n) ? undefined : n,
          options: {
            scan: f.scan,
            clients: f.clients,
            caPem: f.caPem.trim() || undefined,
            http: 'auto',
            noHistory: true,
          },
        }),
      );
      rows.value = out.rows;
      cancelled.value = out.cancelled;
    } catch (err) {
      error.value = err;
    } finally {
      running.value = false;
      clearInterval(ticker);
    }
  }

  async function cancel(): Promise<void> {
    if (session.value) await unwrap(api.tls.cancel({ session: session.value }));
  }

  /**
   * A JSON export of an earlier scan, to compare with: its size checked before it is read (a huge file
   * would be read whole into the page first), then its rows against the row schema.
   */
  async function loadPrevious(label: string, file: Blob): Promise<void> {
    if (file.size > TLS_DEFAULTS.massExportMaxBytes)
      throw new Error(`${label} is larger than ${TLS_DEFAULTS.massExportMaxBytes / 1048576} MiB`);
    let value: unknown;
    try {
      value = JSON.parse(await file.text());
    } catch {
      value = undefined;
    }
    const parsed = z.array(TlsMassRow).safeParse(value);
    if (!parsed.success) throw new Error(`${label} is not a Wirelab mass-scan JSON export`);
    previous.value = { label, rows: parsed.data };
  }

  return { form, rows, previous, running, total, done, etaMs, cancelled, error, start, cancel, loadPrevious };
});
