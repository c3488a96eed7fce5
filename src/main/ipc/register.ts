// Electron IPC over the dispatcher: one handler per contract channel, generated from the contract.
// Each checks the sender frame before anything else; validation and error mapping are the dispatcher's.
import type { IpcMain, WebContents } from 'electron';
import { EVENTS_CHANNEL } from '../../shared/contract';
import type { Services } from '../services';
import { isTrustedSender } from '../app/electron-policy';

export function registerIpc(ipcMain: IpcMain, services: Services, devServerUrl?: string): () => void {
  const channels = services.dispatcher.channels();
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!isTrustedSender(event.senderFrame, devServerUrl)) {
        return {
          ok: false,
          error: {
            code: 'FORBIDDEN_SENDER',
            message: `IPC from ${event.senderFrame?.url ?? 'unknown frame'} refused`,
          },
        };
      }
      return services.dispatcher.call(channel, input);
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/** Forwards event batches to one window's renderer for as long as it lives. */
export function forwardEvents(services: Services, contents: WebContents): () => void {
  const unsubscribe = services.bus.subscribe((batch) => {
    if (!contents.isDestroyed()) contents.send(EVENTS_CHANNEL, batch);
  });
  contents.once('destroyed', unsubscribe);
  return unsubscribe;
}
