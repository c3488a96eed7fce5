// The chat's file-transfer list, kept across restarts. The engines keep transfers in memory only, so
// after a restart (of the engine host or of the whole app) the list would be empty; this store keeps a
// bounded copy in the workspace, per chat identity (server and nickname — session ids change with every
// restart) and per engine instance (file ids start again with every instance).
//
// What it shows is what is true: a finished transfer keeps its state and where it was saved; one that was
// offered or under way when its engines went away is shown "interrupted" — it cannot go on, the peer
// must offer the file again — never as still waiting or transferring.
import { defineStore } from 'pinia';
import { computed, toRaw, watch } from 'vue';
import { z } from 'zod';
import type { ChatClientInfo } from '../../shared/contract';
// From the chat's own contract module: this store loads with the app shell, the whole contract need not.
import { FileTransferInfo } from '../../shared/contract/chat';
import { persisted } from '../lib/persisted';
import { useChatStore } from './chat';
import { chatIdentityKey } from './chat-model';
import { useWorkspaceStore } from './workspace';

/** Transfers kept at most (all chats together); the oldest finished ones go first. */
export const MAX_KEPT_TRANSFERS = 200;

export const TransferRecord = FileTransferInfo.extend({
  state: z.enum([...FileTransferInfo.shape.state.options, 'interrupted']),
  /** chatIdentityKey of the chat it belongs to. */
  chat: z.string(),
  /** The engine instance it happened in (workspace.get's `instance`). */
  instance: z.string(),
  /** When this page first saw it, for the order of the list. */
  seenAt: z.number(),
});
export type TransferRecord = z.infer<typeof TransferRecord>;

const UNFINISHED = new Set<TransferRecord['state']>(['offered', 'transferring']);

/** Records of other engine instances that never finished: they can no longer go on. */
export function interruptStale(records: TransferRecord[], instance: string): TransferRecord[] {
  return records.map((r) =>
    r.instance !== instance && UNFINISHED.has(r.state) ? { ...r, state: 'interrupted' } : r,
  );
}

/** Keeps at most `max` records, dropping finished ones (oldest first) before unfinished ones. */
export function bound(records: TransferRecord[], max = MAX_KEPT_TRANSFERS): TransferRecord[] {
  if (records.length <= max) return records;
  const drop = new Set<TransferRecord>();
  const byAge = [...records].sort((a, b) => a.seenAt - b.seenAt);
  for (const r of byAge) if (drop.size < records.length - max && !UNFINISHED.has(r.state)) drop.add(r);
  for (const r of byAge) if (drop.size < records.length - max) drop.add(r);
  return records.filter((r) => !drop.has(r));
}

export const useChatTransfersStore = defineStore('chat-transfers', () => {
  const chat = useChatStore();
  const workspace = useWorkspaceStore();
  const records = persisted('chat.transfers', z.array(TransferRecord).max(MAX_KEPT_TRANSFERS), []);

  // A new engine instance (a restart under the page, or the app started again), or a list read back from
  // the saved workspace: what was under way in another instance is interrupted.
  watch(
    () => [workspace.instance, records.value] as const,
    ([instance]) => {
      if (!instance) return;
      const next = interruptStale(records.value, instance);
      if (next.some((r, i) => r !== records.value[i])) records.value = next;
    },
    { immediate: true },
  );

  // The engine instance each session was first seen under. After a restart the old sessions stay on the
  // page until the chat store has read the new list; a change to one of them meanwhile belongs to the old
  // instance, and copying it as the new instance's would list the same transfer twice.
  const seenUnder = new WeakMap<object, string>();
  function instanceOf(session: object): string | undefined {
    const raw = toRaw(session);
    const known = seenUnder.get(raw);
    if (known || !workspace.instance) return known;
    seenUnder.set(raw, workspace.instance);
    return workspace.instance;
  }

  // The live transfers come from the chat store (which applies the engine's events in order, parked
  // ones included); each change is copied here.
  watch(
    () =>
      chat.sessions.map((s) => ({
        key: chatIdentityKey(s.info),
        instance: instanceOf(s),
        transfers: s.transfers.map((t) => ({ ...t })),
      })),
    (live) => {
      let next = records.value;
      let changed = false;
      for (const { key, instance, transfers } of live)
        for (const t of transfers) {
          if (!instance) continue;
          const i = next.findIndex((r) => r.instance === instance && r.chat === key && r.fileId === t.fileId);
          const old = i >= 0 ? next[i] : undefined;
          const rec: TransferRecord = { ...t, chat: key, instance, seenAt: old?.seenAt ?? Date.now() };
          if (old && JSON.stringify(old) === JSON.stringify(rec)) continue;
          next = i >= 0 ? next.map((r, j) => (j === i ? rec : r)) : [...next, rec];
          changed = true;
        }
      if (changed) records.value = bound(next);
    },
    { deep: true },
  );

  /** The transfers of one chat (by its server and nickname), earlier restarts included, oldest first. */
  function of(info: ChatClientInfo): TransferRecord[] {
    const key = chatIdentityKey(info);
    return records.value.filter((r) => r.chat === key).sort((a, b) => a.seenAt - b.seenAt);
  }

  /** Whether a record belongs to the engines running now (its accept/cancel buttons can work). */
  function isLive(r: TransferRecord): boolean {
    return r.instance === workspace.instance;
  }

  /** Forgets the finished and interrupted transfers of one chat (the list's "Clear"). */
  function clearFinished(info: ChatClientInfo): void {
    const key = chatIdentityKey(info);
    records.value = records.value.filter((r) => r.chat !== key || UNFINISHED.has(r.state));
  }

  const count = computed(() => records.value.length);
  return { records, count, of, isLive, clearFinished };
});
