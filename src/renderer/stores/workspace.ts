// The renderer's half of the workspace: loads workspace.json's values through the API at start into
// the `persisted()` store, saves them (debounced) whenever one changes, shows why a saved workspace was
// set aside, and keeps which server sessions start again on launch. When the engines restarted under an
// open page (a new engine-host instance), the page's values are the newest: they are saved again at once,
// and the stores that hold sessions are asked to read them afresh (`onEnginesRestarted`).
import { defineStore } from 'pinia';
import { inject, ref, watch } from 'vue';
import type {
  ChatIdentity,
  LaunchKind,
  LaunchState,
  WorkspaceNotice,
  WorkspaceSnapshot,
} from '../../shared/contract';
import { linkStateKey, unwrap, useApi, useEventRouter } from '../api';
import { useWorkspaceValues } from '../lib/persisted';

/** Quiet time after the last change before the values are written (typing does not write per key). */
export const SAVE_DEBOUNCE_MS = 400;

export const useWorkspaceStore = defineStore('workspace', () => {
  const api = useApi();
  const values = useWorkspaceValues();
  const link = inject(linkStateKey, undefined);
  const loaded = ref(false);
  const notice = ref<WorkspaceNotice>();
  const noticeDismissed = ref(false);
  const launch = ref<LaunchState[]>([]);
  /** Nickname used last, servers joined before, chats rejoined at start. */
  const identity = ref<ChatIdentity>();
  const restoreMs = ref<number>();
  const saveError = ref<string>();
  const saving = ref(false);
  /** The engine instance answering (new after every restart of the engines). */
  const instance = ref<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let savedVersion = -1;
  const restartHooks = new Set<() => void | Promise<void>>();

  function take(snap: WorkspaceSnapshot): void {
    launch.value = snap.launch;
    identity.value = snap.chat;
    if (snap.notice) notice.value = snap.notice;
    if (snap.restore.done) restoreMs.value = snap.restore.ms;
  }

  /** Loads the saved values once; before that nothing is saved, so defaults never overwrite the file. */
  async function load(): Promise<void> {
    if (loaded.value) return;
    const snap = await unwrap(api.workspace.get({}));
    instance.value = snap.instance;
    // Saved values win over what stores wrote while the load was on its way (their initial values).
    values.replaceAll({ ...values.values, ...snap.values });
    savedVersion = values.version;
    take(snap);
    loaded.value = true;
  }

  async function save(): Promise<void> {
    timer = undefined;
    if (!loaded.value || savedVersion === values.version) return;
    const version = values.version;
    saving.value = true;
    try {
      await unwrap(api.workspace.saveValues({ values: JSON.parse(JSON.stringify(values.values)) }));
      savedVersion = version;
      saveError.value = undefined;
    } catch (err) {
      // Kept unsaved: the next change or reconnect tries again.
      saveError.value = err instanceof Error ? err.message : String(err);
    } finally {
      saving.value = false;
    }
  }

  watch(
    () => values.version,
    () => {
      if (!loaded.value) return;
      clearTimeout(timer);
      timer = setTimeout(() => void save(), SAVE_DEBOUNCE_MS);
    },
  );

  // Closing or reloading the tab inside the debounce must not lose the last change: save it at once.
  // The call leaves before the page's connection closes (a WebSocket frame or an IPC message is queued
  // synchronously), so the engines still get it.
  if (typeof window !== 'undefined')
    window.addEventListener('pagehide', () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      void save();
    });

  /** Registers work to do when the engines restarted under this page (re-read sessions). */
  function onEnginesRestarted(hook: () => void | Promise<void>): () => void {
    restartHooks.add(hook);
    return () => restartHooks.delete(hook);
  }

  /** Asks which engine instance answers; a new one means everything restarted and was restored. */
  async function recheck(): Promise<void> {
    if (!loaded.value) return load();
    const snap = await unwrap(api.workspace.get({}));
    take(snap);
    if (snap.instance === instance.value) return;
    instance.value = snap.instance;
    // What the page holds is newer than what the engines restored from: write it back at once.
    savedVersion = -1;
    await save();
    // Side by side and each on its own: one store whose re-read fails must not keep the others stale.
    await Promise.allSettled([...restartHooks].map(async (hook) => hook()));
  }

  if (link)
    watch(link, (state, before) => {
      if (state === 'open' && before !== 'open') void recheck().catch(() => undefined);
    });
  useEventRouter().on('workspace', (batch) => {
    for (const e of batch) {
      if (e.engine !== 'workspace') continue;
      launch.value = e.launch;
      if (e.type === 'restored') {
        restoreMs.value = e.ms;
        void recheck().catch(() => undefined);
      }
    }
  });

  function launchOf(kind: LaunchKind, session: string): LaunchState | undefined {
    return launch.value.find((l) => l.kind === kind && l.session === session);
  }

  async function setLaunch(kind: LaunchKind, session: string, on: boolean): Promise<void> {
    launch.value = (await unwrap(api.workspace.setLaunch({ kind, session, on }))).launch;
  }

  /** Sessions that were flagged but could not start again this time (e.g. their port was taken). */
  function failedLaunches(kind?: LaunchKind): LaunchState[] {
    return launch.value.filter((l) => l.state === 'failed' && (kind === undefined || l.kind === kind));
  }

  return {
    loaded,
    instance,
    notice,
    noticeDismissed,
    launch,
    identity,
    restoreMs,
    saveError,
    saving,
    load,
    save,
    recheck,
    onEnginesRestarted,
    launchOf,
    setLaunch,
    failedLaunches,
  };
});
