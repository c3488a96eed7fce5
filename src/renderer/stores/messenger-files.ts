// Files in direct messenger conversations, as the renderer shows them: the transfers (the engine keeps
// them in its data dir, `messenger/files.json`, so the list — finished ones with where they were saved,
// unfinished ones that go on when the peer is back — survives restarts of the page, the engines and the
// app; this store reads it back on every start), kept current from the `file` events.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { MessengerEvent, MessengerFileTransfer, WirelabEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';

export const UNFINISHED: ReadonlySet<MessengerFileTransfer['state']> = new Set(['offered', 'transferring']);

export const useMessengerFilesStore = defineStore('messenger-files', () => {
  const api = useApi();
  const transfers = ref<MessengerFileTransfer[]>([]);
  /** Where incoming files are proposed to go (the engines' Downloads folder), read once. */
  const downloads = ref<string>();

  function upsert(t: MessengerFileTransfer): void {
    const i = transfers.value.findIndex((x) => x.fileId === t.fileId);
    if (i >= 0) transfers.value[i] = t;
    else transfers.value.push(t);
  }

  useEventRouter().on('messenger', (batch: WirelabEvent[]) => {
    for (const ev of batch) {
      if (ev.engine !== 'messenger') continue;
      const e: MessengerEvent = ev;
      if (e.type === 'file') upsert(e.transfer);
      // Started or stopped (also: the engines came back after a restart): read the list afresh.
      else if (e.type === 'state') void refresh().catch(() => undefined);
    }
  });

  async function refresh(): Promise<void> {
    transfers.value = (await unwrap(api.messenger.files({}))).transfers;
  }

  function of(conversation: string): MessengerFileTransfer[] {
    return transfers.value.filter((t) => t.conversation === conversation);
  }

  async function downloadsDir(): Promise<string> {
    if (downloads.value === undefined) {
      const r = await api.files.downloads({});
      downloads.value = r.ok ? r.value.path.replace(/[\\/]$/, '') : '';
    }
    return downloads.value;
  }

  async function offer(conversation: string, path: string): Promise<void> {
    upsert(await unwrap(api.messenger.fileOffer({ conversation, path })));
  }
  async function accept(fileId: string, saveAs: string): Promise<void> {
    upsert(await unwrap(api.messenger.fileAccept({ fileId, saveAs })));
  }
  async function decline(fileId: string): Promise<void> {
    upsert(await unwrap(api.messenger.fileDecline({ fileId })));
  }
  async function cancel(fileId: string): Promise<void> {
    upsert(await unwrap(api.messenger.fileCancel({ fileId })));
  }

  return { transfers, refresh, of, downloadsDir, offer, accept, decline, cancel };
});
