// The preload: builds the one typed API object from the contract and exposes it as window.wirelab.
// It exposes no ipcRenderer, no generic invoke and never the Electron event object. Bundled as a
// single CommonJS file so it runs in the sandboxed renderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  buildContractApi,
  contract,
  ENGINE_STATE_CHANNEL,
  EVENTS_ACK_CHANNEL,
  EVENTS_CHANNEL,
  type EngineHostState,
  type EventListener,
  type WirelabApi,
  type WirelabEvent,
} from '../shared/contract';
import type { Result } from '../shared/errors';

// One IPC listener fans batches out and acknowledges each batch once, however many subscribers it has
// (main stops sending past N unacknowledged batches).
const eventListeners = new Set<EventListener>();
ipcRenderer.on(EVENTS_CHANNEL, (_event: IpcRendererEvent, batch: WirelabEvent[]) => {
  try {
    for (const l of eventListeners) l(batch);
  } finally {
    ipcRenderer.send(EVENTS_ACK_CHANNEL, 1);
  }
});

const api: WirelabApi = {
  ...buildContractApi(
    contract,
    (channel, input) => ipcRenderer.invoke(channel, input) as Promise<Result<unknown>>,
  ),
  shell: 'electron',
  onEvents(listener: EventListener) {
    eventListeners.add(listener);
    return () => {
      eventListeners.delete(listener);
    };
  },
  onEngineState(listener: (state: EngineHostState) => void) {
    const handler = (_event: IpcRendererEvent, state: EngineHostState) => listener(state);
    ipcRenderer.on(ENGINE_STATE_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(ENGINE_STATE_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('wirelab', api);
