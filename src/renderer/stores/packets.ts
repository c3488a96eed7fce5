// The packet library in the renderer: saved packets (at most 1,000, a plain list), send jobs, one
// bounded log of what the jobs sent and got back, and the packet being edited (kept in the workspace).
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { z } from 'zod';
import type { Packet, PacketJobInfo, PacketsEvent, WirelabEvent } from '../../shared/contract';
import { PACKETS_DEFAULTS, type PacketInput } from '../../shared/contract/packets';
import { unwrap, useApi, useEventRouter } from '../api';
import { BoundedLog } from '../lib/bounded-log';
import { numberField, PayloadTextEncodingOption, TextViewOption } from '../lib/forms';
import type { LogEntry } from '../lib/log-entry';
import { persisted } from '../lib/persisted';
import { useAppStore } from './app';

export type PacketDraft = z.input<typeof PacketInput>;

/** The packet form as typed (numbers as text); `id` is set while a saved packet is edited. */
export const PacketForm = z.object({
  id: z.string().nullable(),
  name: z.string(),
  protocol: z.enum(['tcp', 'udp', 'tls']),
  host: z.string(),
  port: z.string(),
  payload: z.string(),
  encoding: PayloadTextEncodingOption,
  repeat: z.string(),
  intervalMs: z.string(),
  responseWaitMs: z.string(),
  tlsVerify: z.boolean(),
  servername: z.string(),
});
export type PacketForm = z.infer<typeof PacketForm>;

/** Form → contract input (numbers parsed; the engine's schema refuses what does not fit, with a code). */
export function packetFromForm(f: PacketForm, withId: boolean): PacketDraft {
  return {
    ...(withId && f.id ? { id: f.id } : {}),
    name: f.name,
    protocol: f.protocol,
    host: f.host.trim(),
    port: numberField(f.port),
    payload: f.payload,
    encoding: f.encoding,
    repeat: numberField(f.repeat),
    intervalMs: numberField(f.intervalMs),
    responseWaitMs: numberField(f.responseWaitMs),
    tlsVerify: f.tlsVerify,
    ...(f.protocol === 'tls' && f.servername.trim() ? { servername: f.servername.trim() } : {}),
  };
}

export function formFromPacket(p: Packet): PacketForm {
  return {
    id: p.id,
    name: p.name,
    protocol: p.protocol,
    host: p.host,
    port: String(p.port),
    payload: p.payload,
    encoding: p.encoding,
    repeat: String(p.repeat),
    intervalMs: String(p.intervalMs),
    responseWaitMs: String(p.responseWaitMs),
    tlsVerify: p.tlsVerify,
    servername: p.servername ?? '',
  };
}

export const usePacketsStore = defineStore('packets', () => {
  const api = useApi();
  const app = useAppStore();
  const packets = shallowRef<Packet[]>([]);
  const jobs = shallowRef<PacketJobInfo[]>([]);
  const log = markRaw(new BoundedLog<LogEntry>(app.settings.logLimit));
  const version = ref(0);
  let entryId = 0;
  const form = persisted('packets.form', PacketForm, {
    id: null,
    name: 'Hello UDP',
    protocol: 'udp',
    host: '127.0.0.1',
    port: '',
    payload: 'Hello, UDP Server! #{{counter}}',
    encoding: 'escaped',
    repeat: '1',
    intervalMs: '1000',
    responseWaitMs: String(PACKETS_DEFAULTS.responseWaitMs),
    tlsVerify: false,
    servername: '',
  });
  const importMode = persisted('packets.importMode', z.enum(['merge', 'replace']), 'merge');
  const textView = persisted('packets.textView', TextViewOption, 'utf8');

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
  /** Saves the form as a packet (a new one, or the one being edited). */
  async function saveForm(): Promise<Packet> {
    const p = await save(packetFromForm(form.value, true));
    form.value.id = p.id;
    return p;
  }
  /** Sends the form as it is, without saving it. */
  async function sendForm(): Promise<PacketJobInfo> {
    return send({ packet: packetFromForm(form.value, false) });
  }
  function edit(p: Packet): void {
    form.value = formFromPacket(p);
  }
  function newPacket(): void {
    form.value = { ...form.value, id: null, name: 'New packet' };
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
    form,
    importMode,
    textView,
    saveForm,
    sendForm,
    edit,
    newPacket,
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
