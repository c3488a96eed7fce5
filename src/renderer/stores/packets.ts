// The packet library in the renderer: saved packets (at most 1,000, a plain list), send jobs and one
// bounded log of what the jobs sent and got back.
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { Packet, PacketJobInfo, PacketsEvent, WirelabEvent } from '../../shared/contract';
import type { z } from 'zod';
import type { PacketInput } from '../../shared/contract/packets';
import { unwrap, useApi, useEventRouter } from '../api';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { useAppStore } from './app';

export type PacketDraft = z.input<typeof PacketInput>;

export const usePacketsStore = defineStore('packets', () => {
  const api = useApi();
  const app = useAppStore();
  const packets = shallowRef<Packet[]>([]);
  const jobs = shallowRef<PacketJobInfo[]>([]);
  const log = markRaw(new BoundedLog<LogEntry>(app.settings.logLimit));
  const version = ref(0);
  let entryId = 0;

  function upsertJob(info: PacketJobInfo): void {
    const others = jobs.value.filter((j) => j.job !== info.job);
    jobs.value = [...others, info].slice(-20);
  }

  function apply(batch: WirelabEvent[]): void {
    let changed = false;
    for (const ev of batch) {
      if (ev.engine === 'bus') {
        log.addDropped(ev.count);
        changed = true;
        continue;
      }
      if (ev.engine !== 'packets') continue;
      const e: PacketsEvent = ev;
      changed = true;
      switch (e.type) {
        case 'job.sent':
          log.push({
            id: ++entryId,
            at: e.at,
            dir: 'out',
            peer: `${e.session} #${e.index} (counter ${e.counter}) → ${e.to}`,
            data: e.data,
            bytes: e.bytes,
            truncated: e.truncated,
          });
          break;
        case 'job.response':
          log.push({
            id: ++entryId,
            at: e.at,
            dir: 'in',
            peer: `${e.session} #${e.index} ← ${e.from}`,
            data: e.data,
            bytes: e.bytes,
            truncated: e.truncated,
          });
          break;
        case 'job.error':
          log.push({
            id: ++entryId,
            at: e.at,
            dir: 'error',
            peer: `${e.session} #${e.index}`,
            text: `${e.code}: ${e.message}`,
          });
          break;
        case 'job.done':
          upsertJob(e.info);
          log.push({
            id: ++entryId,
            at: e.at,
            dir: 'info',
            peer: e.session,
            text: `${e.info.state}: ${e.info.sent}/${e.info.total} sent, ${e.info.responses} answers, ${e.info.errors} errors`,
          });
          break;
        case 'library.changed':
          void refresh().catch(() => undefined);
          break;
      }
    }
    if (changed) version.value++;
  }
  useEventRouter().on('packets', apply);

  async function refresh(): Promise<void> {
    packets.value = (await unwrap(api.packets.list({}))).packets;
  }
  async function save(draft: PacketDraft): Promise<Packet> {
    const p = await unwrap(api.packets.save(draft));
    await refresh();
    return p;
  }
  async function remove(id: string): Promise<void> {
    await unwrap(api.packets.remove({ id }));
    await refresh();
  }
  async function send(input: { id?: string; packet?: PacketDraft }): Promise<PacketJobInfo> {
    const info = await unwrap(api.packets.send(input));
    upsertJob(info);
    return info;
  }
  async function resetCounter(id: string): Promise<void> {
    await unwrap(api.packets.resetCounter({ id }));
    await refresh();
  }
  async function cancel(job: string): Promise<void> {
    upsertJob(await unwrap(api.packets.cancel({ job })));
  }
  async function exportJson(): Promise<{ text: string; count: number }> {
    return unwrap(api.packets.exportJson({}));
  }
  async function importJson(
    text: string,
    mode: 'merge' | 'replace',
  ): Promise<{ added: number; updated: number; total: number }> {
    const r = await unwrap(api.packets.importJson({ text, mode }));
    await refresh();
    return r;
  }
  function clearLog(): void {
    log.clear();
    version.value++;
  }

  return {
    packets,
    jobs,
    log,
    version,
    refresh,
    save,
    remove,
    send,
    resetCounter,
    cancel,
    exportJson,
    importJson,
    clearLog,
  };
});
