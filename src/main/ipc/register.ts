// Electron IPC to the engines: one handler per contract channel, generated from the contract. Each
// checks the sender frame before anything else; validation and error mapping are the dispatcher's
// (in the engine host). Event batches go to each window under credit-based flow control: the renderer
// acknowledges every batch it handled, and past `maxUnacked` batches in flight main drops and counts
// (CreditGate), so a stalled renderer cannot grow main's memory.
import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import {
  ENGINE_STATE_CHANNEL,
  EVENTS_ACK_CHANNEL,
  EVENTS_CHANNEL,
  type EngineHostState,
  type WirelabEvent,
} from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { isTrustedSender } from '../app/electron-policy';
import { CreditGate, type CreditGateOptions } from '../host/credit';

export interface CallTarget {
  channels(): string[];
  call(channel: string, input: unknown): Promise<Result<unknown>>;
}

export function registerIpc(ipcMain: IpcMain, target: CallTarget, devServerUrl?: string): () => void {
  const channels = target.channels();
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
      return target.call(channel, input);
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

export interface EventSource {
  onBatch(listener: (batch: WirelabEvent[]) => void): () => void;
  onState(listener: (state: EngineHostState) => void): () => void;
}

type Contents = Pick<WebContents, 'id' | 'send' | 'isDestroyed' | 'once' | 'on'>;

/** Event batches and engine state to every attached window, each behind its own credit gate. */
export function createEventForwarding(
  ipcMain: Pick<IpcMain, 'on' | 'removeListener'>,
  source: EventSource,
  options: Partial<CreditGateOptions> & { devServerUrl?: string } = {},
): {
  attach(contents: Contents): () => void;
  stats(id: number): ReturnType<CreditGate['stats']> | undefined;
  dispose(): void;
} {
  const windows = new Map<number, { contents: Contents; gate: CreditGate }>();
  const onAck = (event: IpcMainEvent, n: unknown) => {
    if (!isTrustedSender(event.senderFrame, options.devServerUrl)) return;
    windows.get(event.sender.id)?.gate.ack(typeof n === 'number' ? n : 1);
  };
  ipcMain.on(EVENTS_ACK_CHANNEL, onAck);
  const offBatch = source.onBatch((batch) => {
    for (const { contents, gate } of windows.values()) {
      if (contents.isDestroyed()) continue;
      const admitted = gate.offer(batch);
      if (admitted) contents.send(EVENTS_CHANNEL, admitted);
    }
  });
  const offState = source.onState((state) => {
    for (const { contents } of windows.values())
      if (!contents.isDestroyed()) contents.send(ENGINE_STATE_CHANNEL, state);
  });
  return {
    attach(contents) {
      const gate = new CreditGate(options);
      windows.set(contents.id, { contents, gate });
      // A reloaded page lost the batches in flight and will never ack them.
      contents.on('did-finish-load', () => gate.reset());
      const detach = () => void windows.delete(contents.id);
      contents.once('destroyed', detach);
      return detach;
    },
    stats: (id) => windows.get(id)?.gate.stats(),
    dispose() {
      offBatch();
      offState();
      ipcMain.removeListener(EVENTS_ACK_CHANNEL, onAck);
      windows.clear();
    },
  };
}
