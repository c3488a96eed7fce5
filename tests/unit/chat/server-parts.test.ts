// The chat server's socket-free parts: receiver (detection, framing, rate limit), writer (rendering,
// slow-reader cut), history answers, the log index, and the protocol hub driven with fake writers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addIndexEntry, lastEntryAtOrBefore } from '../../../src/main/engines/chat/history-index';
import type { ServerFrame, WireRoomMessage } from '../../../src/main/engines/chat/protocol';
import { SerialChain, fitMessages } from '../../../src/main/engines/chat/server-history';
import { ChatHub, type HubConn, type HubHooks } from '../../../src/main/engines/chat/server-hub';
import { CHAT_SERVER_DEFAULTS } from '../../../src/main/engines/chat/server-options';
import {
  FrameWriter,
  broadcastFrame,
  renderFrame,
  type WritableEnd,
} from '../../../src/main/engines/chat/server-output';
import {
  ChatReceiver,
  classifyFirstLine,
  type ReceiverSink,
} from '../../../src/main/engines/chat/server-receiver';
import { ServerState } from '../../../src/main/engines/chat/server-state';

afterEach(() => {
  vi.useRealTimers();
});

const limits = {
  maxFrameBytes: 64,
  rateLimitPerSec: 1,
  rateLimitBurst: 2,
  floodDisconnectAfter: 3,
  quietGapMs: 50,
  helloTimeoutMs: 1000,
  plainDetectMs: 200,
};

function recorder() {
  const calls: string[] = [];
  const sink: ReceiverSink = {
    line: (l) => calls.push(`line:${l}`),
    becomePlain: () => calls.push('plain'),
    fatal: (code, _m, reason) => calls.push(`fatal:${code}:${reason}`),
    throttle: () => calls.push('throttle'),
    resume: () => calls.push('resume'),
  };
  return { calls, sink };
}

describe('classifyFirstLine', () => {
  it('tells a person typing "{" from a program speaking the protocol badly', () => {
    expect(classifyFirstLine('{hello there').kind).toBe('plain');
    expect(classifyFirstLine('{"t":"join","room":"x"}')).toMatchObject({
      kind: 'fatal',
      code: 'CHAT_HELLO_REQUIRED',
    });
    expect(classifyFirstLine('{"t":"nope"}')).toMatchObject({ kind: 'fatal', code: 'CHAT_UNKNOWN_FRAME' });
    const hello = classifyFirstLine('{"t":"hello","v":1,"nick":"ann","identity":"0123456789"}');
    expect(hello.kind).toBe('hello');
  });
});

describe('ChatReceiver', () => {
  it('a first byte other than "{" makes the connection plain; lines come out in order', () => {
    const { calls, sink } = recorder();
    const rx = new ChatReceiver(limits, sink);
    sink.becomePlain = () => {
      rx.enterPlain();
      calls.push('plain');
    };
    rx.push(Buffer.from('hi\nthere\n'));
    expect(calls).toEqual(['plain', 'line:hi', 'line:there']);
    expect(rx.mode).toBe('plain');
    rx.stop();
  });

  it('a frame over maxFrameBytes is fatal before a newline arrives', () => {
    const { calls, sink } = recorder();
    const rx = new ChatReceiver(limits, sink);
    rx.push(Buffer.from(`{"t":"hello",${'x'.repeat(80)}`));
    expect(calls).toEqual(['fatal:CHAT_FRAME_TOO_LARGE:protocol']);
    rx.stop();
  });

  it('over the rate limit it throttles once, holds lines back, and a flood past floodDisconnectAfter is fatal', () => {
    const { calls, sink } = recorder();
    const rx = new ChatReceiver(limits, sink);
    rx.enterProtocol();
    rx.push(Buffer.from('a\nb\nc\n'));
    expect(calls).toEqual(['line:a', 'line:b', 'throttle']);
    rx.push(Buffer.from('d\ne\nf\n'));
    expect(calls.at(-1)).toBe('fatal:CHAT_RATE_LIMITED:flood');
    rx.stop();
  });

  it('a silent undecided connection becomes plain; a plain message without newline ends on silence', () => {
    vi.useFakeTimers();
    const { calls, sink } = recorder();
    const rx = new ChatReceiver(limits, sink);
    sink.becomePlain = () => {
      rx.enterPlain();
      calls.push('plain');
    };
    rx.start();
    vi.advanceTimersByTime(limits.plainDetectMs);
    expect(calls).toEqual(['plain']);
    rx.push(Buffer.from('no newline'));
    vi.advanceTimersByTime(limits.quietGapMs);
    expect(calls).toEqual(['plain', 'line:no newline']);
    rx.stop();
  });

  it('a started hello that never completes is fatal after helloTimeoutMs', () => {
    vi.useFakeTimers();
    const { calls, sink } = recorder();
    const rx = new ChatReceiver(limits, sink);
    rx.start();
    rx.push(Buffer.from('{"t":"hel'));
    vi.advanceTimersByTime(limits.helloTimeoutMs);
    expect(calls).toEqual(['fatal:CHAT_HELLO_REQUIRED:protocol']);
    rx.stop();
  });
});

class FakeSocket implements WritableEnd {
  out: string[] = [];
  writableLength = 0;
  destroyed = false;
  writable = true;
  constructor(private readonly growBy = 0) {}
  write(text: string): boolean {
    this.out.push(text);
    this.writableLength += this.growBy;
    return true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

describe('FrameWriter and broadcastFrame', () => {
  it('renders for plain and protocol clients; errors reach plain clients too', () => {
    const msg: ServerFrame = { t: 'msg', room: 'r', seq: 1, id: 'm1', from: 'ann', text: 'hi', at: 1 };
    expect(renderFrame('plain', msg)).toBe('ann: hi\n');
    expect(renderFrame('proto', msg)).toBe(`${JSON.stringify(msg)}\n`);
    expect(renderFrame('plain', { t: 'pong', id: 'x', at: 1 })).toBeNull();
    expect(renderFrame('plain', { t: 'error', code: 'LIMIT_EXCEEDED', message: 'm' })).toBe(
      '* error LIMIT_EXCEEDED: m\n',
    );
  });

  it('cuts a reader that falls more than maxQueuedBytes behind, once', () => {
    const s = new FakeSocket(600);
    let slow = 0;
    const w = new FrameWriter(
      s,
      1000,
      () => 'proto',
      () => (slow += 1),
    );
    w.raw('a');
    expect(s.destroyed).toBe(false);
    w.raw('b');
    expect([s.destroyed, w.closing, slow]).toEqual([true, true, 1]);
    w.raw('c');
    expect(s.out).toEqual(['a', 'b']);
  });

  it('broadcast skips closing writers and sends each kind its rendering', () => {
    const a = new FakeSocket();
    const b = new FakeSocket();
    const c = new FakeSocket();
    const wa = new FrameWriter(
      a,
      1e6,
      () => 'proto',
      () => undefined,
    );
    const wb = new FrameWriter(
      b,
      1e6,
      () => 'plain',
      () => undefined,
    );
    const wc = new FrameWriter(
      c,
      1e6,
      () => 'proto',
      () => undefined,
    );
    wc.closing = true;
    const frame: ServerFrame = { t: 'msg', room: 'r', seq: 1, id: 'm', from: 'x', text: 'y', at: 1 };
    broadcastFrame(
      [
        { writer: wa, mode: 'proto' },
        { writer: wb, mode: 'plain' },
        { writer: wc, mode: 'proto' },
      ],
      frame,
    );
    expect([a.out, b.out, c.out]).toEqual([[`${JSON.stringify(frame)}\n`], ['x: y\n'], []]);
  });
});

describe('history helpers', () => {
  const msgs: WireRoomMessage[] = Array.from({ length: 10 }, (_, i) => ({
    t: 'msg',
    room: 'r',
    seq: i + 1,
    id: `m${i}`,
    from: 'a',
    text: 'x'.repeat(40),
    at: 0,
  }));
  const one = Buffer.byteLength(JSON.stringify(msgs[0])) + 1;

  it('fitMessages keeps the end that matters and says when it cut', () => {
    const max = 30 + 16 + 3 * one;
    const oldest = fitMessages(msgs, 'oldest', { t: 'history' }, max);
    const newest = fitMessages(msgs, 'newest', { t: 'history' }, max);
    expect(oldest.cut && newest.cut).toBe(true);
    expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(newest.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
    expect(fitMessages(msgs, 'oldest', {}, 1e6)).toEqual({ messages: msgs, cut: false });
  });

  it('SerialChain runs one task at a time and refuses past maxQueued', async () => {
    const chain = new SerialChain(2);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    expect(
      chain.run(async () => {
        order.push('a-start');
        await gate;
        order.push('a-end');
      }),
    ).toBe(true);
    expect(chain.run(async () => void order.push('b'))).toBe(true);
    expect(chain.run(async () => void order.push('c'))).toBe(false);
    release();
    await chain.idle();
    expect(order).toEqual(['a-start', 'a-end', 'b']);
    expect(chain.queued).toBe(0);
  });

  it('the log index adds an entry by stride or byte distance and finds the last one at or before a seq', () => {
    const ix = { entries: [] as { seq: number; offset: number }[], first: 1 };
    expect(addIndexEntry(ix, 1, 0, 3, 1000)).toBe(true);
    expect(addIndexEntry(ix, 2, 100, 3, 1000)).toBe(false);
    expect(addIndexEntry(ix, 4, 200, 3, 1000)).toBe(true);
    expect(addIndexEntry(ix, 5, 1300, 3, 1000)).toBe(true);
    expect(ix.entries.map((e) => e.seq)).toEqual([1, 4, 5]);
    expect([0, 1, 3, 4, 9].map((s) => lastEntryAtOrBefore(ix.entries, s))).toEqual([-1, 0, 0, 1, 2]);
  });
});

describe('ChatHub (the protocol over fake writers)', () => {
  function setup(password?: string) {
    const state = new ServerState({
      fsync: 'never',
      fsyncIntervalMs: 10,
      historyKeep: 10,
      inboxKeep: 10,
      dedupeKeep: 10,
      compactAboveBytes: Infinity,
    });
    const fatals: string[] = [];
    const hooks: HubHooks = {
      fatal: (c, code) => {
        fatals.push(`${c.id}:${code}`);
        c.writer.closing = true;
      },
      clientEvent: () => undefined,
      relayFile: () => undefined,
    };
    const hub = new ChatHub(state, { ...CHAT_SERVER_DEFAULTS, name: 'test', port: 0, password }, hooks);
    const conn = (id: string) => {
      const socket = new FakeSocket();
      const c: HubConn = {
        id,
        rx: new ChatReceiver(CHAT_SERVER_DEFAULTS, {
          line: () => undefined,
          becomePlain: () => undefined,
          fatal: () => undefined,
          throttle: () => undefined,
          resume: () => undefined,
        }),
        writer: new FrameWriter(
          socket,
          1e6,
          () => c.rx.mode,
          () => undefined,
        ),
        history: new SerialChain(2),
        rooms: new Set(),
      };
      const frames = () => socket.out.map((l) => JSON.parse(l) as ServerFrame);
      return { c, frames };
    };
    return { hub, conn, fatals };
  }
  const hello = (nick: string, extra = '') =>
    `{"t":"hello","v":1,"nick":"${nick}","identity":"identity-${nick}"${extra}}`;

  it('hello → welcome, join → joined + presence, msg → ack to the sender and the message to the room', async () => {
    const { hub, conn } = setup();
    const ann = conn('c1');
    const bob = conn('c2');
    hub.line(ann.c, hello('ann'));
    hub.line(bob.c, hello('bob'));
    expect(ann.frames()[0]).toMatchObject({ t: 'welcome', nick: 'ann' });
    hub.line(ann.c, '{"t":"join","room":"lobby"}');
    hub.line(bob.c, '{"t":"join","room":"lobby"}');
    expect(ann.frames().at(-1)).toMatchObject({ t: 'presence', nick: 'bob', event: 'join' });
    hub.line(ann.c, '{"t":"msg","id":"m-1","room":"lobby","text":"hello"}');
    await new Promise((r) => setTimeout(r, 0));
    expect(ann.frames().at(-1)).toMatchObject({ t: 'ack', id: 'm-1', seq: 1 });
    expect(bob.frames().at(-1)).toMatchObject({ t: 'msg', from: 'ann', text: 'hello', seq: 1 });
    expect(hub.onlineCount('lobby')).toBe(2);
    hub.closed(bob.c);
    expect(hub.onlineCount('lobby')).toBe(1);
    expect(ann.frames().at(-1)).toMatchObject({ t: 'presence', nick: 'bob', event: 'leave' });
  });

  it('refuses a wrong password, a version mismatch and a nick owned by another identity', () => {
    const { hub, conn, fatals } = setup('secret');
    hub.line(conn('c1').c, hello('ann', ',"password":"nope"'));
    hub.line(conn('c2').c, '{"t":"hello","v":99,"nick":"ann","identity":"identity-ann"}');
    hub.line(conn('c3').c, hello('ann', ',"password":"secret"'));
    hub.line(conn('c4').c, '{"t":"hello","v":1,"nick":"ann","identity":"someone-else","password":"secret"}');
    expect(fatals).toEqual(['c1:CHAT_AUTH_FAILED', 'c2:CHAT_VERSION', 'c4:CHAT_NICK_TAKEN']);
  });

  it('a bad frame after hello is answered, not fatal; msg to a room not joined is CHAT_NOT_IN_ROOM', () => {
    const { hub, conn, fatals } = setup();
    const ann = conn('c1');
    hub.line(ann.c, hello('ann'));
    hub.line(ann.c, '{"t":"bogus"}');
    hub.line(ann.c, '{"t":"msg","id":"m-1","room":"elsewhere","text":"x"}');
    expect(ann.frames().slice(-2)).toMatchObject([
      { t: 'error', code: 'CHAT_UNKNOWN_FRAME' },
      { t: 'error', code: 'CHAT_NOT_IN_ROOM', ref: 'm-1' },
    ]);
    expect(fatals).toEqual([]);
  });
});
