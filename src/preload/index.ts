// The preload: builds the one typed API object from the contract and exposes it as window.wirelab.
// It exposes no ipcRenderer, no generic invoke and never the Electron event object. Bundled as a
// single CommonJS file so it runs in the sandboxed renderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  buildContractApi,
  contract,
  EVENTS_CHANNEL,
  type EventListener,
  type WirelabApi,
  type WirelabEvent,
} from '../shared/contract';
import type { Result } from '../shared/errors';

const api: WirelabApi = {
  ...buildContractApi(
    contract,
    (channel, input) => ipcRenderer.invoke(channel, input) as Promise<Result<unknown>>,
  ),
  shell: 'electron',
  onEvents(listener: EventListener) {
    const handler = (_event: IpcRendererEvent, batch: WirelabEvent[]) => listener(batch);
    ipcRenderer.on(EVENTS_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENTS_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('wirelab', api);
