// The chat's file-transfer list across restarts: finished transfers keep their state and saved path,
// ones under way when the engines went away show as interrupted (never as still waiting), file ids that
// start again in a new engine instance do not overwrite older entries, and the list stays bounded.
import { beforeEach, describe, expect, it } from 'vitest';
import type { FileTransferInfo, WirelabEvent, WorkspaceSnapshot } from '../../../src/shared/contract';
import { useChatStore } from '../../../src/renderer/stores/chat';
import {
  bound,
  useChatTransfersStore,
  type TransferRecord,
} from '../../../src/renderer/stores/chat-transfers';
import { useWorkspaceStore } from '../../../src/renderer/stores/workspace';
import { useWorkspaceValues } from '../../../src/renderer/lib/persisted';
import { chatInfo, fakeApi, type FakeApi } from './chat-fake-api';

const info = (session: string) => chatInfo(session);
const transfer = (fileId: string, over: Partial<FileTransferInfo> = {}): FileTransferInfo => ({
  fileId,
  direction: 'receive',
  peer: 'bob',
  name: `${fileId}.bin`,
  size: 100,
  sha256: 'ab',
  transferred: 0,
  state: 'offered',
  ...over,
});
const fileEvent = (session: string, t: FileTransferInfo): WirelabEvent =>
  ({ engine: 'chat', type: 'client.file', session, at: 1, transfer: t }) as WirelabEvent;
const snapshot = (instance: string, values: Record<string, unknown> = {}): WorkspaceSnapshot => ({
  instance,
  values,
  chat: { servers: [], joined: [] },
  launch: [],
  restore: { done: true, ms: 1, sessions: 0 },
});
const tick = () => new Promise((r) => setTimeout(r, 0));

let f: FakeApi;
beforeEach(() => {
  f = fakeApi();
  f.handle('workspace.get', () => snapshot('one'));
  f.handle('workspace.saveValues', () => ({ bytes: 1, savedAt: 1 }));
  f.handle('chat.messages', () => ({ messages: [], more: false }));
});

async function withTransfers() {
  const ws = f.run(() => useWorkspaceStore());
  const chat = f.run(() => useChatStore());
  const list = f.run(() => useChatTransfersStore());
  await ws.load();
  f.handle('chat.connect', () => info('chat-1'));
  const s = await chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
  f.emit([
    fileEvent(
      'chat-1',
      transfer('f1', { state: 'done', transferred: 100, savedTo: '/home/ann/Downloads/f1.bin' }),
    ),
    fileEvent('chat-1', transfer('f2', { state: 'transferring', transferred: 40 })),
    fileEvent('chat-1', transfer('f3')),
  ]);
  await tick();
  return { ws, chat, list, s };
}

describe('chat file transfers across restarts', () => {
  it('after the engines restarted: done ones keep their saved path, unfinished ones are interrupted', async () => {
    const { ws, list, s } = await withTransfers();
    expect(list.of(s.info).map((t) => t.state)).toEqual(['done', 'transferring', 'offered']);
    f.handle('workspace.get', () => snapshot('two'));
    f.handle('chat.list', () => ({ hosts: [], clients: [info('chat-5')] }));
    await ws.recheck();
    await tick();
    const after = list.of(info('chat-5'));
    expect(after.map((t) => [t.fileId, t.state])).toEqual([
      ['f1', 'done'],
      ['f2', 'interrupted'],
      ['f3', 'interrupted'],
    ]);
    expect(after[0]!.savedTo).toBe('/home/ann/Downloads/f1.bin');
    expect(after.some((t) => list.isLive(t))).toBe(false);
    // The new engines number files from the start again: their f1 is a new entry, not the old one.
    f.emit([fileEvent('chat-5', transfer('f1', { name: 'new.bin' }))]);
    await tick();
    const again = list.of(info('chat-5'));
    expect(again.map((t) => `${t.name}:${t.state}`)).toEqual([
      'f1.bin:done',
      'f2.bin:interrupted',
      'f3.bin:interrupted',
      'new.bin:offered',
    ]);
    expect(list.isLive(again[3]!)).toBe(true);
  });

  it('the app started again: the saved list comes back from the workspace, unfinished ones interrupted', async () => {
    const { ws } = await withTransfers();
    await ws.save();
    const saved = JSON.parse(JSON.stringify(f.run(() => useWorkspaceValues()).values)) as Record<
      string,
      unknown
    >;
    // A new page against new engines (the whole app restarted) that load the saved workspace.
    f = fakeApi();
    f.handle('workspace.get', () => snapshot('three', saved));
    const ws2 = f.run(() => useWorkspaceStore());
    const list2 = f.run(() => useChatTransfersStore());
    await ws2.load();
    await tick();
    expect(list2.of(info('chat-9')).map((t) => [t.fileId, t.state, t.savedTo])).toEqual([
      ['f1', 'done', '/home/ann/Downloads/f1.bin'],
      ['f2', 'interrupted', undefined],
      ['f3', 'interrupted', undefined],
    ]);
  });

  it('a live transfer keeps updating its one entry', async () => {
    const { list, s } = await withTransfers();
    f.emit([
      fileEvent('chat-1', transfer('f2', { state: 'done', transferred: 100, savedTo: '/tmp/f2.bin' })),
    ]);
    await tick();
    const f2 = list.of(s.info).filter((t) => t.fileId === 'f2');
    expect(f2).toHaveLength(1);
    expect(f2[0]!.savedTo).toBe('/tmp/f2.bin');
  });

  it('stays bounded, dropping the oldest finished entries before unfinished ones', () => {
    const rec = (i: number, state: TransferRecord['state']): TransferRecord => ({
      ...transfer(`f${i}`),
      state,
      chat: 'c',
      instance: 'one',
      seenAt: i,
    });
    const records = [rec(1, 'offered'), rec(2, 'done'), rec(3, 'done'), rec(4, 'transferring')];
    expect(bound(records, 3).map((r) => r.fileId)).toEqual(['f1', 'f3', 'f4']);
    expect(bound(records, 1).map((r) => r.fileId)).toEqual(['f4']);
  });
});
