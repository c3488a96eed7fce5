// The TCP-vs-UDP lab in the renderer: the form's last values, progress of the current run, and the last
// result (also taken from the engine's 'done' event, so a result is never lost to a slow reply).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabEvent, LabResult, LabRunInput, WirelabEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';

export const useLabStore = defineStore('lab', () => {
  const api = useApi();
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

  return { running, progress, result, error, run, cancel };
});
