// The TCP-vs-UDP lab in the renderer: the form (kept in the workspace, so it survives navigation and
// restarts), whether the kernel check is available here, progress of the current run, and the last
// result (also taken from the engine's 'done' event, so a result is never lost to a slow reply).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { z } from 'zod';
import type { LabEvent, LabResult, LabRunInput, WirelabEvent } from '../../shared/contract';
import { LAB_DEFAULTS } from '../../shared/contract/lab';
import { unwrap, useApi, useEventRouter } from '../api';
import { persisted } from '../lib/persisted';
import { useWorkspaceStore } from './workspace';

/** The numeric fields of the form, in the order shown; values are kept as typed text. */
export const LAB_FORM_FIELDS = [
  'count',
  'size',
  'rate',
  'lossPct',
  'dupPct',
  'reorderPct',
  'delayMs',
  'jitterMs',
  'bandwidthKbps',
  'rcvBufBytes',
  'pauseMs',
  'rtoMs',
  'seed',
] as const;
export type LabFormField = (typeof LAB_FORM_FIELDS)[number];

export const LabForm = z.object({
  fields: z.object(
    Object.fromEntries(LAB_FORM_FIELDS.map((k) => [k, z.string()])) as Record<LabFormField, z.ZodString>,
  ),
  tcpSource: z.enum(['model', 'kernel']),
});
export type LabForm = z.infer<typeof LabForm>;

/** The form at the contract's defaults: the one set the UI and the CLI share. */
export function defaultLabForm(): LabForm {
  return {
    fields: Object.fromEntries(LAB_FORM_FIELDS.map((k) => [k, String(LAB_DEFAULTS[k])])) as Record<
      LabFormField,
      string
    >,
    tcpSource: LAB_DEFAULTS.tcpSource,
  };
}

export const useLabStore = defineStore('lab', () => {
  const api = useApi();
  const form = persisted('lab.form', LabForm, defaultLabForm());
  const kernel = ref<{ available: boolean; reason?: string }>();
  const running = ref(false);
  const progress = ref<{ sent: number; total: number; tcpDelivered: number; udpDelivered: number }>();
  const result = shallowRef<LabResult>();
  const error = ref<unknown>();

  useEventRouter().on('lab', (batch: WirelabEvent[]) => {
    for (const ev of batch) {
      if (ev.engine !== 'lab') continue;
      const e: LabEvent = ev;
      if (e.type === 'progress')
        progress.value = {
          sent: e.sent,
          total: e.total,
          tcpDelivered: e.tcpDelivered,
          udpDelivered: e.udpDelivered,
        };
      else result.value = e.result;
    }
  });

  // The engines restarted under the page: a run in progress ended with them (its call answers
  // ENGINE_HOST_DOWN), and whether the kernel check can run is asked again of the new engines.
  useWorkspaceStore().onEnginesRestarted(async () => {
    progress.value = undefined;
    if (kernel.value) await loadCapabilities();
  });

  async function loadCapabilities(): Promise<void> {
    try {
      kernel.value = (await unwrap(api.lab.capabilities({}))).kernel;
    } catch (err) {
      kernel.value = { available: false, reason: err instanceof Error ? err.message : String(err) };
    }
    // A saved choice of the kernel check falls back to the model where it cannot run.
    if (!kernel.value.available && form.value.tcpSource === 'kernel') form.value.tcpSource = 'model';
  }

  function resetForm(): void {
    form.value = defaultLabForm();
  }

  async function run(input: LabRunInput): Promise<void> {
    error.value = undefined;
    running.value = true;
    progress.value = undefined;
    try {
      result.value = await unwrap(api.lab.run(input));
    } catch (err) {
      error.value = err;
    } finally {
      running.value = false;
    }
  }
  async function cancel(): Promise<void> {
    await unwrap(api.lab.cancel({}));
  }

  return { form, kernel, running, progress, result, error, loadCapabilities, resetForm, run, cancel };
});
