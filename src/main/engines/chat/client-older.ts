// "Load earlier messages" requests of one client connection: each gets a `ref` the server echoes, a
// timeout, and is settled by the answer, by an error frame with its ref, or when the connection is lost
// (the server answers on the connection it was asked on). The page is checked here, since it comes from
// the network: only well-formed messages of the room asked for are passed on. Room lists (`rooms`) carry
// no ref: every waiting request gets the next list.
import type { ChatMessage, RoomSummary } from '../../../shared/contract/chat';
import { EngineError } from '../common/errors';
import type { OlderPage } from './client-options';
import type { WireRoomMessage } from './protocol';

interface OlderRequest {
  room: string;
  resolve: (page: OlderPage) => void;
  reject: (err: EngineError) => void;
  timer: NodeJS.Timeout;
}

export class OlderRequests {
  private readonly pending = new Map<string, OlderRequest>();
  private ids = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Registers a request for `limit` messages of a room before seq `before`; `send(ref)` writes it. */
  ask(room: string, before: number, limit: number, send: (ref: string) => void): Promise<OlderPage> {
    if (!Number.isInteger(before) || before < 1 || !Number.isInteger(limit) || limit < 1)
      return Promise.reject(new EngineError('INVALID_INPUT', 'before and limit are positive integers'));
    const ref = `older-${++this.ids}`;
    const ms = this.timeoutMs;
    return new Promise<OlderPage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new EngineError('TIMEOUT', `no answer to the history request for #${room} within ${ms} ms`));
      }, ms);
      timer.unref();
      this.pending.set(ref, { room, resolve, reject, timer });
      send(ref);
    });
  }

  /** An answer with a ref: resolves its request with the well-formed messages of its room. */
  answer(ref: string, list: unknown, more: unknown, nick: string): void {
    const req = this.take(ref);
    if (!req) return; // timed out meanwhile
    const messages = (Array.isArray(list) ? (list as WireRoomMessage[]) : [])
      .filter((m) => m && m.room === req.room && Number.isInteger(m.seq) && typeof m.text === 'string')
      .map((m): ChatMessage => ({
        id: String(m.id),
        room: m.room,
        from: String(m.from),
        text: m.text,
        at: Number(m.at),
        seq: m.seq,
        status: m.from === nick ? 'sent' : 'received',
      }));
    req.resolve({ messages, more: more === true });
  }

  /** An error frame naming a request: true when it was one of ours (now rejected with its code). */
  fail(ref: string, err: EngineError): boolean {
    const req = this.take(ref);
    if (!req) return false;
    req.reject(err);
    return true;
  }

  rejectAll(why: string): void {
    for (const ref of [...this.pending.keys()]) this.take(ref)?.reject(new EngineError('NOT_CONNECTED', why));
  }

  private take(ref: string): OlderRequest | undefined {
    const req = this.pending.get(ref);
    if (!req) return undefined;
    this.pending.delete(ref);
    clearTimeout(req.timer);
    return req;
  }
}

export class RoomListRequests {
  private waiters: ((r: RoomSummary[]) => void)[] = [];

  ask(timeoutMs: number, send: () => void): Promise<RoomSummary[]> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new EngineError('TIMEOUT', 'no room list from the server'));
      }, timeoutMs);
      const waiter = (r: RoomSummary[]) => {
        clearTimeout(t);
        resolve(r);
      };
      this.waiters.push(waiter);
      send();
    });
  }

  answer(rooms: RoomSummary[]): void {
    for (const w of this.waiters.splice(0)) w(rooms);
  }
}
