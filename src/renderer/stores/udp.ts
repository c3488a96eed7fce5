// UDP sockets in the renderer: sessions mirrored from the engine, a bounded log per socket (raw; views
// watch `version`), and the page's forms kept in the workspace. Datagram rows remember their `seq` so
// "Reply" answers exactly that sender.
import { defineStore } from 'pinia';
import { z } from 'zod';
import type { UdpEvent, UdpSocketInfo } from '../../shared/contract';
import type { PayloadTextEncoding } from '../../shared/payload-text';
import { UDP_DEFAULTS } from '../../shared/contract/udp';
import { unwrap, useApi } from '../api';
import type { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { numberField, PayloadDraft, PayloadTextEncodingOption, TextViewOption } from '../lib/forms';
import { persisted } from '../lib/persisted';
import { createSessionStore, listenAddress } from '../lib/session-store';

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

export const UdpBindForm = z.object({
  host: z.string(),
  port: z.string(),
  responder: z.enum(['off', 'echo', 'reply']),
  reply: z.string(),
  broadcast: z.boolean(),
  reuse: z.boolean(),
});
export const UdpSendForm = z.object({
  host: z.string(),
  port: z.string(),
  replyBody: z.string(),
  group: z.string(),
  iface: z.string(),
});
export const UdpRuleForm = z.object({
  match: z.enum(['any', 'equals', 'contains', 'startsWith', 'regex']),
  pattern: z.string(),
  patternEncoding: PayloadTextEncodingOption,
  reply: z.string(),
  replyEncoding: PayloadTextEncodingOption,
});

function applyUdpEvent(s: UdpSession, e: UdpEvent, id: () => number): void {
  switch (e.type) {
    case 'datagram':
      s.info.datagramsIn += 1;
      s.info.bytesIn += e.bytes;
      s.log.push({
        id: id(),
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
          id: id(),
          at: e.at,
          dir: 'error',
          text: 'not answered: the auto-answer rate cap was reached',
        });
      return;
    case 'sent':
      s.info.datagramsOut += 1;
      s.info.bytesOut += e.bytes;
      s.log.push({
        id: id(),
        at: e.at,
        dir: 'out',
        peer: `${peerText(e.to)}${e.auto ? ' (auto)' : ''}`,
        data: e.data,
        bytes: e.bytes,
        truncated: e.truncated,
      });
      return;
    case 'membership':
      s.log.push({
        id: id(),
        at: e.at,
        dir: 'info',
        text: `${e.joined ? 'joined' : 'left'} ${e.group}${e.interface ? ` on ${e.interface}` : ''}`,
      });
      return;
    case 'error':
      s.log.push({ id: id(), at: e.at, dir: 'error', text: `${e.code}: ${e.message}` });
      return;
    case 'closed':
      s.open = false;
      s.info = { ...s.info, state: 'closed' };
      s.log.push({ id: id(), at: e.at, dir: 'info', text: 'socket closed' });
      return;
  }
}

export const useUdpStore = defineStore('udp', () => {
  const api = useApi();
  const sockets = createSessionStore<'udp', UdpSession, UdpSocketInfo>({
    engine: 'udp',
    selectionKey: 'udp.selected',
    handle: applyUdpEvent,
    list: async () => (await unwrap(api.udp.list({}))).sockets,
    create: (info, newLog) => ({
      session: info.session,
      info,
      log: newLog<UdpLogEntry>(),
      open: info.state === 'bound',
    }),
    update: (s, info) => (s.info = info),
    identity: listenAddress,
  });

  const bindForm = persisted('udp.bindForm', UdpBindForm, {
    host: '127.0.0.1',
    port: '0',
    responder: 'off',
    reply: UDP_DEFAULTS.defaultReply,
    broadcast: false,
    reuse: false,
  });
  const sendForm = persisted('udp.sendForm', UdpSendForm, {
    host: '127.0.0.1',
    port: '',
    replyBody: UDP_DEFAULTS.defaultReply,
    group: '',
    iface: '',
  });
  const draft = persisted('udp.draft', PayloadDraft, { data: 'Hello, UDP Server!', encoding: 'text' });
  const ruleForm = persisted('udp.ruleForm', UdpRuleForm, {
    match: 'contains',
    pattern: '',
    patternEncoding: 'escaped',
    reply: '',
    replyEncoding: 'escaped',
  });
  const textView = persisted('udp.textView', TextViewOption, 'utf8');

  function setInfo(session: string, info: UdpSocketInfo): void {
    const s = sockets.find(session);
    if (s) s.info = info;
  }

  const refresh = () => sockets.sync();

  /** Binds a socket from the form. */
  async function bind(): Promise<UdpSession> {
    const f = bindForm.value;
    const info = await unwrap(
      api.udp.bind({
        host: f.host.trim(),
        port: numberField(f.port),
        responder: f.responder,
        reply: f.reply,
        replyEncoding: 'escaped',
        broadcast: f.broadcast,
        reuseAddr: f.reuse,
      }),
    );
    return sockets.adopt(info, { select: true });
  }
  async function close(session: string): Promise<void> {
    await unwrap(api.udp.close({ session }));
    const s = sockets.find(session);
    if (s) s.open = false;
  }
  function remove(session: string): void {
    sockets.drop((s) => s.session === session && !s.open);
  }
  /** Sends the draft to the destination in the send form. */
  async function send(session: string, data: string, encoding: PayloadTextEncoding) {
    const f = sendForm.value;
    return unwrap(api.udp.send({ session, host: f.host.trim(), port: numberField(f.port), data, encoding }));
  }
  async function reply(session: string, seq?: number) {
    return unwrap(api.udp.reply({ session, data: sendForm.value.replyBody, encoding: 'escaped', seq }));
  }
  /** Changes only the options given; the others stay as the engine has them. */
  async function setOptions(
    session: string,
    patch: Omit<Parameters<typeof api.udp.setOptions>[0], 'session'>,
  ): Promise<void> {
    setInfo(session, await unwrap(api.udp.setOptions({ session, ...patch })));
  }
  async function join(session: string, group: string, iface?: string): Promise<void> {
    setInfo(session, await unwrap(api.udp.join({ session, group, interface: iface || undefined })));
  }
  async function leave(session: string, group: string, iface?: string): Promise<void> {
    setInfo(session, await unwrap(api.udp.leave({ session, group, interface: iface || undefined })));
  }

  return {
    sockets: sockets.sessions,
    current: sockets.current,
    select: sockets.select,
    bindForm,
    sendForm,
    draft,
    ruleForm,
    textView,
    refresh,
    bind,
    close,
    remove,
    send,
    reply,
    setOptions,
    join,
    leave,
  };
});
