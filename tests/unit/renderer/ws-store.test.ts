// The WebSocket/SSE store against the contract's fake API: an event that overtakes the reply creating
// its session (an SSE server's first event) is kept and applied once the reply is in, not lost.
import { beforeEach, describe, expect, it } from 'vitest';
import type { SseClientInfo, SseEventMsg } from '../../../src/shared/contract';
import { useWsStore } from '../../../src/renderer/stores/ws';
import { fakeApi, settle, storeApp, type FakeApi } from './fake-api';

let fake: FakeApi;
let use: <T>(fn: () => T) => T;

beforeEach(() => {
  fake = fakeApi();
  ({ use } = storeApp(fake));
  fake.on('workspace.get', {
    instance: 'one',
    values: {},
    chat: { servers: [], joined: [] },
    launch: [],
    restore: { done: true, ms: 1, sessions: 0 },
  });
  fake.on('workspace.saveValues', { bytes: 1, savedAt: 1 });
});

const info = (session: string): SseClientInfo => ({
  session,
  url: 'http://127.0.0.1:9/events',
  state: 'open',
  openedAt: 1,
  events: 0,
  lastEventId: '',
  retryMs: 3000,
  reconnects: 0,
  logDropped: 0,
});
const event = (seq: number, id: string): SseEventMsg => ({
  seq,
  id,
  at: 1,
  event: 'greet',
  data: `hello ${seq}`,
  truncated: false,
});

describe('ws store', () => {
  it('SSE events that arrive before sseConnect answers are applied, in order, once it has', async () => {
    const ws = use(() => useWsStore());
    let answer!: (v: SseClientInfo) => void;
    fake.on('ws.sseConnect', () => new Promise<SseClientInfo>((r) => (answer = r)));
    const connecting = ws.sseConnect();
    await settle();
    // The engine's first events overtake the reply; an event of some other session is ignored.
    fake.emit([
      { engine: 'ws', type: 'sse.event', session: 'sse-1', at: 1, event: event(1, '7') },
      { engine: 'ws', type: 'sse.event', session: 'sse-other', at: 1, event: event(1, 'x') },
      { engine: 'ws', type: 'sse.event', session: 'sse-1', at: 2, event: event(2, '8') },
    ]);
    answer(info('sse-1'));
    await connecting;
    expect(ws.sseEvents.map((e) => e.id)).toEqual(['7', '8']);
    expect(ws.sse?.lastEventId).toBe('8');
    // Later events go straight in.
    fake.emit([{ engine: 'ws', type: 'sse.event', session: 'sse-1', at: 3, event: event(3, '9') }]);
    expect(ws.sseEvents.map((e) => e.id)).toEqual(['7', '8', '9']);
  });
});
