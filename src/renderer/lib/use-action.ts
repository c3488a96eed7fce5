// A button's action with its own error and busy flag: the error of the last run is shown next to the
// form that caused it (an ErrorNote), and cleared when the user tries again.
import { reactive, ref } from 'vue';

export interface Action<A extends unknown[], R> {
  /** Runs the action; resolves to its result, or undefined if it failed (the error is in `error`). */
  run(...args: A): Promise<R | undefined>;
  readonly error: unknown;
  readonly busy: boolean;
  clear(): void;
}

export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R> | R): Action<A, R> {
  const error = ref<unknown>();
  const busy = ref(false);
  async function run(...args: A): Promise<R | undefined> {
    error.value = undefined;
    busy.value = true;
    try {
      return await fn(...args);
    } catch (err) {
      error.value = err;
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  // reactive() unwraps the refs, so templates read `start.error` and `start.busy` directly.
  return reactive({ run, error, busy, clear: () => (error.value = undefined) }) as Action<A, R>;
}
