// What a chat client knows about its conversations, updated from the protocol: messages queued (logged
// before they are sent), acknowledged, refused, room messages accepted in sequence order and private
// messages in inbox order. Every change is written to the client store's log first, then shown (the
// `message` hook), so a kill at any point replays to the same state. No sockets: the client hands it the
// parsed frames and gets back the frames to write through `write`.
import { randomBytes } from 'node:crypto';
import type { ChatMessage } from '../../../shared/contract/chat';
import type { ClientStore, Outgoing } from './client-store';
import { Outbox } from './client-outbox';
import { RoomSequencer, inboxStep } from './client-sequencer';
import type { ClientFrame, ServerFrame, WirePrivateMessage, WireRoomMessage } from './protocol';

export interface LedgerHooks {
  /** A message was added or changed: show it. */
  message(m: ChatMessage): void;
  write(f: ClientFrame): void;
  /** Something the user should know that is not an error of a call (e.g. messages that will never come). */
  notice(code: 'LIMIT_EXCEEDED', message: string): void;
}

export class ClientLedger {
  readonly outbox: Outbox;
  readonly sequencer: RoomSequencer;

  constructor(
    readonly store: ClientStore,
    private readonly nick: string,
    private readonly hooks: LedgerHooks,
  ) {
    this.outbox = new Outbox(store.outbox);
    this.sequencer = new RoomSequencer(store.lastSeq, {
      accept: (m) => this.accept(m),
      askHistory: (room, after, before) =>
        hooks.write({ t: 'history', room, after, ...(before !== undefined ? { before } : {}) }),
      skipped: (room, from, to) =>
        hooks.notice(
          'LIMIT_EXCEEDED',
          `${to - from + 1} message(s) in #${room} (seq ${from}–${to}) are older than the server keeps`,
        ),
    });
  }

  /** A new message of ours: logged and shown as pending before it is ever sent. */
  queue(target: { room?: string; to?: string }, text: string): Outgoing {
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const at = Date.now();
    const o: Outgoing = { id, room: target.room, to: target.to, text, at, sent: false };
    this.outbox.add(o);
    this.store.record({ k: 'out', id, room: o.room, to: o.to, text, at });
    this.add({ id, room: o.room, peer: o.to, from: this.nick, text, at, status: 'pending' });
    return o;
  }

  /** The server stored one of our messages. False when it was not waiting (a duplicate ack). */
  ack(f: Extract<ServerFrame, { t: 'ack' }>): boolean {
    const o = this.outbox.acknowledge(f.id);
    if (!o) return false;
    this.store.record({ k: 'ack', id: f.id, room: f.room, seq: f.seq, to: f.to, pseq: f.pseq, at: f.at });
    if (f.room !== undefined && f.seq !== undefined) {
      const m: WireRoomMessage = {
        t: 'msg',
        room: f.room,
        seq: f.seq,
        id: f.id,
        from: this.nick,
        text: o.text,
        at: f.at,
      };
      if (this.sequencer.ingest(m) === 'duplicate') this.update(f.id, { status: 'sent', seq: f.seq });
    } else this.update(f.id, { status: 'sent', at: f.at });
    return true;
  }

  /** A refusal naming a message: true when the message failed for good (not resent). */
  refuse(id: string, code: string): boolean {
    if (!this.outbox.refuse(id, code)) return false;
    this.store.record({ k: 'fail', id, code });
    this.update(id, { status: 'failed', code });
    return true;
  }

  room(m: WireRoomMessage): void {
    this.sequencer.ingest(m);
  }

  privateMessage(m: WirePrivateMessage): void {
    const step = inboxStep(this.store.inboxSeq, m);
    if (step === 'duplicate') return;
    if (step === 'refetch') {
      this.hooks.write({ t: 'inbox', after: this.store.inboxSeq });
      return;
    }
    this.store.inboxSeq = m.pseq;
    this.store.record({ k: 'pm', pseq: m.pseq, id: m.id, from: m.from, to: m.to, text: m.text, at: m.at });
    this.add({ id: m.id, peer: m.from, from: m.from, text: m.text, at: m.at, status: 'received' });
  }

  /** The next room message in order (from the sequencer): record it, and settle our own message. */
  private accept(m: WireRoomMessage): void {
    const mine = m.from === this.nick;
    if (mine && this.outbox.acknowledge(m.id)) {
      // Our message, stored by the server but its ack lost with the connection: history is the ack.
      this.store.record({ k: 'ack', id: m.id, room: m.room, seq: m.seq, at: m.at });
    }
    this.store.record({ k: 'msg', room: m.room, seq: m.seq, id: m.id, from: m.from, text: m.text, at: m.at });
    if (mine && this.store.has(m.id)) {
      this.update(m.id, { status: 'sent', seq: m.seq, at: m.at });
      return;
    }
    this.add({
      id: m.id,
      room: m.room,
      from: m.from,
      text: m.text,
      at: m.at,
      seq: m.seq,
      status: mine ? 'sent' : 'received',
    });
  }

  private add(m: ChatMessage): void {
    this.store.add(m);
    this.hooks.message({ ...m });
  }

  private update(id: string, patch: Partial<ChatMessage>): void {
    const m = this.store.update(id, patch);
    if (m) this.hooks.message(m);
  }
}
