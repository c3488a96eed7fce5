// The outbox without sockets: messages wait until acknowledged, are resent after a lost connection,
// are paced by the token bucket, and fail for good only on refusals resending cannot fix.
import { describe, expect, it } from 'vitest';
import { Outbox, type Pacer } from '../../../src/main/engines/chat/client-outbox';
import { checkOutgoing, reconnectDelay } from '../../../src/main/engines/chat/client-options';
import type { Outgoing } from '../../../src/main/engines/chat/client-store';
import { type EngineError } from '../../../src/main/engines/common/errors';

const out = (id: string): Outgoing => ({ id, room: 'lobby', text: id, at: 1, sent: false });
const pacer = (tokens: number): Pacer => ({ take: () => tokens-- > 0, msUntilToken: () => 50 });

describe('Outbox', () => {
  it('drains oldest first within the tokens it has, and says when to try again', () => {
    const o = new Outbox(new Map());
    for (const id of ['a', 'b', 'c']) o.add(out(id));
    const first = o.drain(pacer(2));
    expect(first.frames.map((f) => (f.t === 'msg' ? f.id : ''))).toEqual(['a', 'b']);
    expect(first.retryInMs).toBe(50);
    const second = o.drain(pacer(5));
    expect(second.frames.map((f) => (f.t === 'msg' ? f.id : ''))).toEqual(['c']);
    expect(second.retryInMs).toBeUndefined();
  });

  it('an ack removes the message; a lost connection makes the rest unsent again', () => {
    const o = new Outbox(new Map());
    o.add(out('a'));
    o.add(out('b'));
    o.drain(pacer(9));
    expect(o.acknowledge('a')?.id).toBe('a');
    expect(o.acknowledge('a')).toBeUndefined();
    expect(o.drain(pacer(9)).frames).toEqual([]);
    o.connectionLost();
    expect(o.drain(pacer(9)).frames.map((f) => (f.t === 'msg' ? f.id : ''))).toEqual(['b']);
  });

  it('only refusals resending cannot fix fail a message', () => {
    const o = new Outbox(new Map());
    o.add(out('a'));
    expect(o.refuse('a', 'CHAT_RATE_LIMITED')).toBe(false);
    expect(o.has('a')).toBe(true);
    expect(o.refuse('a', 'CHAT_NOT_IN_ROOM')).toBe(true);
    expect(o.has('a')).toBe(false);
    expect(o.refuse('zz', 'CHAT_NOT_IN_ROOM')).toBe(false);
  });
});

describe('client rules', () => {
  it('backoff doubles up to the cap, with jitter in [half, full]', () => {
    expect(reconnectDelay(0, 200, 10_000, 1)).toBe(200);
    expect(reconnectDelay(3, 200, 10_000, 1)).toBe(1600);
    expect(reconnectDelay(20, 200, 10_000, 1)).toBe(10_000);
    expect(reconnectDelay(3, 200, 10_000, 0)).toBe(800);
  });

  it('an outgoing message needs one target, a length within the limit and a joined room', () => {
    const rooms = new Set(['lobby']);
    const code = (f: () => void) => {
      try {
        f();
        return 'ok';
      } catch (err) {
        return (err as EngineError).code;
      }
    };
    expect(code(() => checkOutgoing({ room: 'lobby' }, 'hi', 10, rooms))).toBe('ok');
    expect(code(() => checkOutgoing({}, 'hi', 10, rooms))).toBe('INVALID_INPUT');
    expect(code(() => checkOutgoing({ room: 'lobby', to: 'x' }, 'hi', 10, rooms))).toBe('INVALID_INPUT');
    expect(code(() => checkOutgoing({ room: 'lobby' }, 'x'.repeat(11), 10, rooms))).toBe('LIMIT_EXCEEDED');
    expect(code(() => checkOutgoing({ room: 'other' }, 'hi', 10, rooms))).toBe('CHAT_NOT_IN_ROOM');
  });
});
