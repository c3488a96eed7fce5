// UDP sockets in the renderer: sessions mirrored from the engine and a bounded log per socket (not
// deeply reactive; a `version` counter is what the views watch). Datagram rows remember their `seq`
// so "Reply" answers exactly that sender.
import { defineStore } from 'pinia';
import { markRaw, reactive, shallowRef } from 'vue';
import type { UdpBindInput, UdpEvent, UdpSocketInfo, WirelabEvent } from '../../shared/contract';
import type { PayloadTextEncoding } from '../../shared/payload-text';
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { useAppStore } from './app';

export interface UdpLogEntry extends LogEntry {
  /** Datagram number on its socket (received rows only): reply({seq}) answers its sender. */
  seq?: number;
}

export interface UdpSession {
  session: string;
  info: UdpSocketInfo;
  log: BoundedLog<UdpLogEntry>;
  version: number;
  open: boolean;
}

function peerText(p: { address: string; port: number }): string {
  return p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`;
}

export const useUdpStore = defineStore('udp', () => {
  const api = useApi();
  const app = useAppStore();
  const sockets = shallowRef<UdpSession[]>([]);
  let entryId = 0;
  const parking = new EventParking<WirelabEvent>();

  function socketOf(session: string): UdpSession | undefined {
    return sockets.value.find((s) => s.session === session);
  }

  function add(info: UdpSocketInfo): UdpSession {
    const s = reactive({
      session: info.session,
      info,
      log: markRaw(new BoundedLog<UdpLogEntry>(app.settings.logLimit)),
      version: 0,
      open: true,
    }) as UdpSession;
    sockets.value = [...sockets.value, s];
    const parked = parking.take(info.session);
    if (parked.length) apply(parked);
    return socketOf(info.session)!;
  }

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<UdpSession>();
    for (const ev of batch) {
      const s = socketOf(ev.session);
      if (!s) {
        // Events can overtake the bind reply; they wait here, bounded.
        parking.park(ev);
        continue;
      }
      touched.add(s);
      if (ev.engine === 'bus') {
        s.log.addDropped(ev.count);
        continue;
      }
      if (ev.engine !== 'udp') continue;
      const e: UdpEvent = ev;
      switch (e.type) {
        case 'datagram':
          s.info.datagramsIn += 1;
          s.info.bytesIn += e.bytes;
          s.log.push({
            id: ++entryId,
            at: e.at,
            dir: 'in',
            peer: peerText(e.from),
            data: e.data,
            bytes: e.bytes,
            truncated: e.truncated,
            seq: e.seq,
          });
          if (e.answered === 'rate-limited')
            s.log.push({
              id: ++entryId,
              at: e.at,
              dir: 'error',
              text: 'not answered: the auto-answer rate cap was reached',
            });
          break;
        case 'sent':
          s.info.datagramsOut += 1;
          s.info.bytesOut += e.bytes;
          s.log.push({
            id: ++entryId,
            at: e.at,
            dir: 'out',
            peer: `${peerText(e.to)}${e.auto ? ' (auto)' : ''}`,
            data: e.data,
            bytes: e.bytes,
            truncated: e.truncated,
          });
          break;
        case 'membership':
          s.log.push({
            id: ++entryId,
            at: e.at,
            dir: 'info',
            text: `${e.joined ? 'joined' : 'left'} ${e.group}${e.interface ? ` on ${e.interface}` : ''}`,
          });
          break;
        case 'error':
          s.log.push({ id: ++entryId, at: e.at, dir: 'error', text: `${e.code}: ${e.message}` });
          break;
        case 'closed':
          s.open = false;
          s.info = { ...s.info, state: 'closed' };
          s.log.push({ id: ++entryId, at: e.at, dir: 'info', text: 'socket closed' });
          break;
      }
    }
    for (const t of touched) t.version++;
  }

  useEventRouter().on('udp', apply);

  async function refresh(): Promise<void> {
    const list = await unwrap(api.udp.list({}));
    for (const info of list.sockets) {
      const s = socketOf(info.session);
      if (!s) add(info);
      else s.info = info;
    }
  }

  async function bind(input: UdpBindInput): Promise<UdpSession> {
    const info = await unwrap(api.udp.bind(input));
    return socketOf(info.session) ?? add(info);
  }
  async function close(session: string): Promise<void> {
    await unwrap(api.udp.close({ session }));
    const s = socketOf(session);
    if (s) s.open = false;
  }
  function remove(session: string): void {
    sockets.value = sockets.value.filter((s) => s.session !== session || s.open);
  }
  async function send(
    session: string,
    host: string,
    port: number,
    data: string,
    encoding: PayloadTextEncoding,
  ) {
    return unwrap(api.udp.send({ session, host, port, data, encoding }));
  }
  async function reply(session: string, data: string, encoding: PayloadTextEncoding, seq?: number) {
    return unwrap(api.udp.reply({ session, data, encoding, seq }));
  }
  async function setOptions(
    session: string,
    patch: Omit<Parameters<typeof api.udp.setOptions>[0], 'session'>,
  ): Promise<void> {
    const info = await unwrap(api.udp.setOptions({ session, ...patch }));
    const s = socketOf(session);
    if (s) s.info = info;
  }
  async function join(session: string, group: string, iface?: string): Promise<void> {
    const info = await unwrap(api.udp.join({ session, group, interface: iface || undefined }));
    const s = socketOf(session);
    if (s) s.info = info;
  }
  async function leave(session: string, group: string, iface?: string): Promise<void> {
    const info = await unwrap(api.udp.leave({ session, group, interface: iface || undefined }));
    const s = socketOf(session);
    if (s) s.info = info;
  }

  return { sockets, refresh, bind, close, remove, send, reply, setOptions, join, leave };
});
