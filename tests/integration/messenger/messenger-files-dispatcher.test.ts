// Messenger file channels through the app's dispatcher (createServices), as the page and the browser
// shell call them: answers match the contract's output schemas (checked under tests), `file` events reach
// the bus, and bad input or a wrong state gets the documented codes. Two composed instances by address.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { codeOf, dispatcherInstance } from './helpers';
import type {
  MessengerConversation,
  MessengerFileTransfer,
  MessengerInfo,
} from '../../../src/shared/contract';

describe('messenger files through the dispatcher', () => {
  it('offer, accept, list and events in the contract; bad input and wrong state get their codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-mf-dispatch-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const a = dispatcherInstance('wirelab-messenger-files-');
    const b = dispatcherInstance('wirelab-messenger-files-');
    const src = join(dir, 'notes.txt');
    const data = randomBytes(100 * 1024);
    writeFileSync(src, data);
    // Off: offering needs LAN chat on; the list answers (empty) all the same.
    expect(
      await codeOf(
        a.call('messenger.fileOffer', { conversation: `dm:${'0'.repeat(16)}:${'1'.repeat(16)}`, path: src }),
      ),
    ).toBe('MESSENGER_NOT_RUNNING');
    expect(await a.call('messenger.files', {})).toEqual({ transfers: [] });
    expect(
      await codeOf(a.call('messenger.fileOffer', { conversation: 'g:0123456789abcdef', path: src })),
    ).toBe('INVALID_INPUT');
    expect(await codeOf(a.call('messenger.fileCancel', { fileId: 'nope' }))).toBe('MESSENGER_FILE_UNKNOWN');
    expect(await codeOf(a.call('messenger.fileCancel', { fileId: 'f-0123456789abcdef' }))).toBe(
      'MESSENGER_FILE_UNKNOWN',
    );

    const ai = (await a.call('messenger.start', { nick: 'ann', host: '127.0.0.1' })) as MessengerInfo;
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
    const conv = (await a.call('messenger.openDirect', { peer: bi.instanceId })) as MessengerConversation;
    expect(
      await codeOf(a.call('messenger.fileOffer', { conversation: conv.id, path: join(dir, 'missing') })),
    ).toBe('NOT_FOUND');
    const offered = (await a.call('messenger.fileOffer', {
      conversation: conv.id,
      path: src,
    })) as MessengerFileTransfer;
    expect(offered).toMatchObject({
      direction: 'send',
      state: 'offered',
      name: 'notes.txt',
      peerNick: 'bob',
    });
    const incoming = async () =>
      ((await b.call('messenger.files', { conversation: conv.id })) as { transfers: MessengerFileTransfer[] })
        .transfers[0];
    await expect.poll(async () => (await incoming())?.state, { timeout: 20_000 }).toBe('offered');
    const saveAs = join(dir, 'got.txt');
    // Saving over an existing file is refused; accepting twice is refused.
    expect(await codeOf(b.call('messenger.fileAccept', { fileId: offered.fileId, saveAs: src }))).toBe(
      'INVALID_INPUT',
    );
    await b.call('messenger.fileAccept', { fileId: offered.fileId, saveAs });
    expect(await codeOf(b.call('messenger.fileDecline', { fileId: offered.fileId }))).toBe('INVALID_INPUT');
    await expect.poll(async () => (await incoming())?.state, { timeout: 20_000 }).toBe('done');
    expect(readFileSync(saveAs).equals(data)).toBe(true);
    await expect
      .poll(
        () =>
          a.events.some(
            (e) =>
              e.engine === 'messenger' &&
              e.type === 'file' &&
              e.transfer.fileId === offered.fileId &&
              e.transfer.state === 'done',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
  });
});
