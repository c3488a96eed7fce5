// State that must outlive a component — a page's form, a draft, a view option — is declared in its store
// with `persisted(key, schema, initial)`. The value lives in the workspace store under `key`, so leaving a
// page and coming back finds it as it was, and the workspace saves it across restarts.
//
// This module deliberately does not know where the workspace is stored (workspace.json through the API
// object); it only knows that a restored value is untrusted: it is re-validated with the store's own
// schema, and a value that no longer fits falls back to `initial` instead of breaking the page.
import { defineStore } from 'pinia';
import { ref, watch, type Ref } from 'vue';
import type { z } from 'zod';

export const useWorkspaceValues = defineStore('workspace-values', () => {
  /** key → last value, plain JSON. Filled from the saved workspace at start, written by `persisted`. */
  const values = ref<Record<string, unknown>>({});
  /** Bumped on every change, so a saver can debounce on one number instead of a deep watch. */
  const version = ref(0);

  function get(key: string): unknown {
    return values.value[key];
  }
  function set(key: string, value: unknown): void {
    values.value[key] = value;
    version.value++;
  }
  /** Replaces everything at once (a restored workspace). Existing `persisted` refs re-read on their own. */
  function replaceAll(next: Record<string, unknown>): void {
    values.value = { ...next };
    version.value++;
  }
  return { values, version, get, set, replaceAll };
});

/**
 * A ref whose value is kept in the workspace under `key`. Values are cloned on the way in and out, so the
 * store's working copy and the saved copy never alias each other.
 */
export function persisted<S extends z.ZodType>(
  key: string,
  schema: S,
  initial: z.output<S>,
): Ref<z.output<S>> {
  const ws = useWorkspaceValues();
  const read = (): z.output<S> => {
    const saved = ws.get(key);
    if (saved === undefined) return structuredClone(initial);
    const parsed = schema.safeParse(saved);
    return parsed.success ? (parsed.data as z.output<S>) : structuredClone(initial);
  };
  const state = ref(read()) as Ref<z.output<S>>;
  let lastSaved = JSON.stringify(state.value);
  watch(
    state,
    (v) => {
      lastSaved = JSON.stringify(v);
      ws.set(key, JSON.parse(lastSaved) as unknown);
    },
    { deep: true },
  );
  // A workspace restored after this ref was created (e.g. after the engine host restarted) wins; our own
  // writes come back through here too and are recognised by their serialisation.
  watch(
    () => ws.values[key],
    (v) => {
      if (v !== undefined && JSON.stringify(v) !== lastSaved) state.value = read();
    },
  );
  return state;
}
