// App-wide state: instance info, persisted settings (theme, log limit, text view) and toasts.
import { defineStore } from 'pinia';
import { ref, watchEffect } from 'vue';
import type { AppInfo, Settings } from '../../shared/contract';
import { AppError, unwrap, useApi, useEventRouter } from '../api';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
  detail?: string;
}

export const useAppStore = defineStore('app', () => {
  const api = useApi();
  const events = useEventRouter();
  const info = ref<AppInfo>();
  const settings = ref<Settings>({ theme: 'system', logLimit: 10_000, textView: 'utf8', lanDiscovery: true });
  const toasts = ref<Toast[]>([]);
  let toastId = 0;

  function toast(kind: Toast['kind'], text: string, detail?: string): void {
    const id = ++toastId;
    toasts.value = [...toasts.value.slice(-4), { id, kind, text, detail }];
    setTimeout(() => dismiss(id), kind === 'error' ? 10_000 : 4000);
  }
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }
  /** Shows an API error as its human sentence plus detail. */
  function reportError(err: unknown): void {
    if (err instanceof AppError) toast('error', err.sentence, `${err.code}: ${err.detail}`);
    else toast('error', 'Unexpected error', String(err));
  }

  /** Runs a UI action and shows its error as a toast (the human sentence for its code). */
  async function attempt(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      reportError(err);
    }
  }

  async function load(): Promise<void> {
    try {
      info.value = await unwrap(api.app.info({}));
      settings.value = await unwrap(api.app.getSettings({}));
      for (const p of info.value.storageProblems)
        toast('error', `A saved file was unreadable and set aside: ${p.movedTo}`, p.message);
    } catch (err) {
      reportError(err);
    }
  }

  async function update(patch: Partial<Settings>): Promise<void> {
    // Applied at once so quick successive changes build on each other; the saved value then wins.
    const before = settings.value;
    settings.value = { ...before, ...patch };
    try {
      settings.value = await unwrap(api.app.setSettings(patch));
    } catch (err) {
      settings.value = before;
      reportError(err);
    }
  }

  async function openExternal(url: string): Promise<void> {
    const r = await api.app.openExternal({ url });
    // The browser shell has no system-browser hook: open in a new tab, never with an opener.
    if (r.ok && !r.value.opened && /^https?:\/\//i.test(url))
      window.open(url, '_blank', 'noopener,noreferrer');
  }

  events.on('app', (batch) => {
    for (const e of batch)
      if (e.engine === 'app' && e.type === 'settings.changed') settings.value = e.settings;
  });

  watchEffect(() => {
    const t = settings.value.theme;
    if (t === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', t);
  });

  return { info, settings, toasts, toast, dismiss, reportError, attempt, load, update, openExternal };
});
