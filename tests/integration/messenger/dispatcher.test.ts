// The messenger through the app's dispatcher (createServices), as the page and the browser shell call
// it: answers match the contract's output schemas (checked under tests), events arrive through the bus,
// and bad input or a wrong state gets the documented codes. Two composed instances, peers by address.
import { describe, expect, it } from 'vitest';
import { codeOf, dispatcherInstance } from './helpers';
import type { MessengerConversation, MessengerInfo } from '../../../src/shared/contract';

describe('messenger through the dispatcher', () => {
  it('start, peers, openDirect, send, messages, markRead answer in the contract; events reach the bus', async () => {
    const a = dispatcherInstance();
    const b = dispatcherInstance();
    expect(await codeOf(a.call('messenger.send', { conversation: 'g:0123456789abcdef', text: 'x' }))).toBe(
      'MESSENGER_NO_CONVERSATION',
    );
    expect(await codeOf(a.call('messenger.setStatus', { status: 'away' }))).toBe('MESSENGER_NOT_RUNNING');
    expect(await codeOf(a.call('messenger.start', { nick: 'no spaces allowed' }))).toBe('CHAT_NICK_INVALID');
    const ai = (await a.call('messenger.start', { nick: 'alice', host: '127.0.0.1' })) as MessengerInfo;
    expect(ai).toMatchObject({ state: 'running', nick: 'alice', discovery: false, protocolVersion: 2 });
    // Idempotent: a second start answers the running instance.
    expect(await a.call('messenger.start', { nick: 'alice', host: '127.0.0.1' })).toEqual(ai);
    const bi = (await b.call('messenger.start', {
      nick: 'bob',
      host: '127.0.0.1',
      peers: [{ host: '127.0.0.1', port: ai.port }],
    })) as MessengerInfo;
    await expect
      .poll(
        async () =>
          ((await a.call('messenger.peers', {})) as { peers: { connected: boolean }[] }).peers[0]?.connected,
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    expect(await codeOf(a.call('messenger.openDirect', { peer: 'nothex' }))).toBe('MESSENGER_PEER_UNKNOWN');
    expect(await codeOf(a.call('messenger.openDirect', { peer: '0123456789abcdef' }))).toBe(
      'MESSENGER_PEER_UNKNOWN',
    );
    const conv = (await a.call('messenger.openDirect', { peer: bi.instanceId })) as MessengerConversation;
    expect(await codeOf(a.call('messenger.send', { conversation: conv.id, text: '' }))).toBe('INVALID_INPUT');
    expect(await codeOf(a.call('messenger.send', { conversation: conv.id, text: 'x'.repeat(9000) }))).toBe(
      'LIMIT_EXCEEDED',
    );
    await a.call('messenger.send', { conversation: conv.id, text: 'through the dispatcher' });
    await expect
      .poll(
        async () =>
          ((await b.call('messenger.conversations', {})) as { conversations: MessengerConversation[] })
            .conversations[0]?.unread,
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    const page = (await b.call('messenger.messages', { conversation: conv.id })) as {
      messages: { text: string }[];
      more: boolean;
    };
    expect(page).toMatchObject({ more: false, messages: [{ text: 'through the dispatcher' }] });
    expect(await codeOf(b.call('messenger.messages', { conversation: conv.id, limit: 5000 }))).toBe(
      'LIMIT_EXCEEDED',
    );
    await b.call('messenger.markRead', { conversation: conv.id });
    expect(
      ((await b.call('messenger.conversations', {})) as { conversations: MessengerConversation[] })
        .conversations[0]?.unread,
    ).toBe(0);
    // Status goes to the peer over the connection.
    await b.call('messenger.setStatus', { status: 'away' });
    await expect
      .poll(
        async () =>
          ((await a.call('messenger.peers', {})) as { peers: { presence: string }[] }).peers[0]?.presence,
        {
          timeout: 20_000,
        },
      )
      .toBe('away');
    await expect
      .poll(
        () =>
          b.events.some(
            (e) =>
              e.engine === 'messenger' && e.type === 'message' && e.message.text === 'through the dispatcher',
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    await expect
      .poll(() => a.events.some((e) => e.engine === 'messenger' && e.type === 'peer.appeared'), {
        timeout: 20_000,
      })
      .toBe(true);
    // The ack travels back and the bus delivers in batches: wait for it.
    await expect
      .poll(
        () => a.events.some((e) => e.engine === 'messenger' && e.type === 'message.acked' && e.delivered),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    await a.call('messenger.stop', {});
    expect(((await a.call('messenger.info', {})) as MessengerInfo).state).toBe('stopped');
    // History stays readable with LAN chat off.
    expect(
      ((await a.call('messenger.messages', { conversation: conv.id })) as { messages: unknown[] }).messages,
    ).toHaveLength(1);
  });
});
