// File transfer in a direct messenger conversation over real TLS sockets on 127.0.0.1 (two instances,
// two data dirs, peers by address): a 5 MB file arrives with its SHA-256; a link cut mid-transfer and a
// restart of the receiver mid-transfer both go on from the offset already written, not from 0; a changed
// source fails the checksum and the `.part` is removed; an offer over the receiver's limit is refused
// with its code before any chunk; decline and cancel from either side.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessengerFileTransfer } from '../../../src/shared/contract/messenger';
import { addr, connected, startInstance, tempDir, type Instance } from './helpers';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function sourceFile(bytes: number): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(tempDir('wirelab-files-src-'), 'payload.bin');
  writeFileSync(path, data);
  return { path, data };
}

function transfer(i: Instance, fileId: string): MessengerFileTransfer | undefined {
  return i.svc.files({}).transfers.find((t) => t.fileId === fileId);
}

async function pair(bOptions = {}) {
  const a = await startInstance('ann');
  const b = await startInstance('bob', { peers: [addr(a)], options: bOptions });
  await connected(a, b);
  await connected(b, a);
  const conv = a.svc.openDirect({ peer: b.info.instanceId }).id;
  return { a, b, conv };
}

/** The offer as the receiver sees it (it arrives over the link). */
async function offerAt(b: Instance, fileId: string): Promise<MessengerFileTransfer> {
  await expect.poll(() => transfer(b, fileId)?.state, { timeout: 20_000 }).toBe('offered');
  return transfer(b, fileId)!;
}

const pollState = (i: Instance, fileId: string) =>
  expect.poll(() => transfer(i, fileId)?.state, { timeout: 30_000 });

/** Cuts the link between the two the first time the receiver has written at least `bytes`. */
/**
 * Runs `act` once the receiver has written `bytes`, from the progress event of the chunk that got there.
 * The receiver must report every chunk (`EVERY_CHUNK`): with progress every 100 ms, a quiet machine
 * moves the whole file between two reports and `act` would come too late to cut anything.
 */
function onceReceived(b: Instance, fileId: string, bytes: number, act: () => void): void {
  let done = false;
  b.svc.on((e) => {
    if (done || e.type !== 'file' || e.transfer.fileId !== fileId) return;
    if (e.transfer.transferred >= bytes && e.transfer.state === 'transferring') {
      done = true;
      act();
    }
  });
}

const EVERY_CHUNK = { fileProgressMs: 0 };

describe('messenger: files in direct conversations', () => {
  it('a 5 MB file arrives with the right SHA-256, both sides see done', async () => {
    const { a, b, conv } = await pair();
    const src = sourceFile(5 * 1024 * 1024);
    const offered = await a.svc.fileOffer({ conversation: conv, path: src.path });
    expect(offered).toMatchObject({ direction: 'send', state: 'offered', size: src.data.length });
    expect(offered.sha256).toBe(sha(src.data));
    const inc = await offerAt(b, offered.fileId);
    expect(inc).toMatchObject({
      direction: 'receive',
      name: 'payload.bin',
      peerNick: 'ann',
      conversation: conv,
    });
    // The receiver gets the conversation to show the offer in.
    expect(b.svc.conversations().conversations.some((c) => c.id === conv)).toBe(true);
    const saveAs = join(tempDir(), 'got.bin');
    await b.svc.fileAccept({ fileId: inc.fileId, saveAs });
    await pollState(b, inc.fileId).toBe('done');
    await pollState(a, inc.fileId).toBe('done');
    expect(sha(readFileSync(saveAs))).toBe(src.data.length && sha(src.data));
    expect(existsSync(`${saveAs}.part`)).toBe(false);
    expect(transfer(b, inc.fileId)).toMatchObject({ savedTo: saveAs, transferred: src.data.length });
    expect(transfer(b, inc.fileId)!.resumedFrom).toBeUndefined();
    // Progress was reported on the way, not only at the end.
    const progress = a.events.filter(
      (e) => e.type === 'file' && e.transfer.state === 'transferring' && e.transfer.transferred > 0,
    );
    expect(progress.length).toBeGreaterThan(0);
  });

  it('a link cut mid-transfer resumes from the offset already written, not from 0', async () => {
    const { a, b, conv } = await pair(EVERY_CHUNK);
    const src = sourceFile(5 * 1024 * 1024);
    const { fileId } = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, fileId);
    onceReceived(b, fileId, 1024 * 1024, () =>
      b.svc['running']!.mesh.peers.get(a.info.instanceId)!.link!.destroy(),
    );
    const saveAs = join(tempDir(), 'cut.bin');
    await b.svc.fileAccept({ fileId, saveAs });
    await pollState(b, fileId).toBe('done');
    await pollState(a, fileId).toBe('done');
    expect(sha(readFileSync(saveAs))).toBe(sha(src.data));
    expect(transfer(a, fileId)!.resumedFrom).toBeGreaterThanOrEqual(1024 * 1024);
    expect(transfer(b, fileId)!.resumedFrom).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('the receiver restarted mid-transfer goes on from its .part', async () => {
    const { a, b, conv } = await pair(EVERY_CHUNK);
    const src = sourceFile(5 * 1024 * 1024);
    const { fileId } = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, fileId);
    let closing: Promise<void> | undefined;
    onceReceived(b, fileId, 1024 * 1024, () => (closing = b.svc.close()));
    const saveAs = join(tempDir(), 'restart.bin');
    await b.svc.fileAccept({ fileId, saveAs });
    await expect.poll(() => closing !== undefined, { timeout: 30_000 }).toBe(true);
    await closing;
    expect(existsSync(`${saveAs}.part`)).toBe(true);
    const b2 = await startInstance('bob', { dir: b.dir, peers: [addr(a)] });
    // The record came back from disk with the offset of the .part.
    expect(transfer(b2, fileId)!.state).toBe('transferring');
    expect(transfer(b2, fileId)!.transferred).toBeGreaterThanOrEqual(1024 * 1024);
    await pollState(b2, fileId).toBe('done');
    await pollState(a, fileId).toBe('done');
    expect(sha(readFileSync(saveAs))).toBe(sha(src.data));
    expect(transfer(a, fileId)!.resumedFrom).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('the sender restarted mid-transfer offers again and goes on from the receiver offset', async () => {
    const { a, b, conv } = await pair(EVERY_CHUNK);
    const src = sourceFile(5 * 1024 * 1024);
    const { fileId } = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, fileId);
    let closing: Promise<void> | undefined;
    onceReceived(b, fileId, 1024 * 1024, () => (closing = a.svc.close()));
    const saveAs = join(tempDir(), 'sender-restart.bin');
    await b.svc.fileAccept({ fileId, saveAs });
    await expect.poll(() => closing !== undefined, { timeout: 30_000 }).toBe(true);
    await closing;
    const a2 = await startInstance('ann', { dir: a.dir, port: a.info.port });
    expect(transfer(a2, fileId)!.state).toBe('transferring');
    await pollState(b, fileId).toBe('done');
    await pollState(a2, fileId).toBe('done');
    expect(sha(readFileSync(saveAs))).toBe(sha(src.data));
    expect(transfer(a2, fileId)!.resumedFrom).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('data that does not match the offered SHA-256 fails with MESSENGER_FILE_CHECKSUM and the .part is removed', async () => {
    const { a, b, conv } = await pair();
    const src = sourceFile(300 * 1024);
    const { fileId } = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, fileId);
    // The source changes after the offer (same size): the bytes sent are not the ones hashed.
    const changed = Buffer.from(src.data);
    changed[150_000] = changed[150_000]! ^ 0xff;
    writeFileSync(src.path, changed);
    const saveAs = join(tempDir(), 'bad.bin');
    await b.svc.fileAccept({ fileId, saveAs });
    await pollState(b, fileId).toBe('failed');
    expect(transfer(b, fileId)!.code).toBe('MESSENGER_FILE_CHECKSUM');
    await pollState(a, fileId).toBe('failed');
    expect(transfer(a, fileId)!.code).toBe('MESSENGER_FILE_CHECKSUM');
    expect(existsSync(`${saveAs}.part`)).toBe(false);
    expect(existsSync(saveAs)).toBe(false);
  });

  it('an offer over the receiver limit is refused with MESSENGER_FILE_TOO_LARGE before any chunk', async () => {
    const { a, b, conv } = await pair({ maxFileBytes: 64 * 1024 });
    const src = sourceFile(100 * 1024);
    const { fileId } = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await pollState(a, fileId).toBe('failed');
    expect(transfer(a, fileId)).toMatchObject({ code: 'MESSENGER_FILE_TOO_LARGE', transferred: 0 });
    // The receiver never kept it: no offer shown, nothing written.
    expect(transfer(b, fileId)).toBeUndefined();
    expect(
      a.events.some(
        (e) => e.type === 'file' && e.transfer.fileId === fileId && e.transfer.state === 'transferring',
      ),
    ).toBe(false);
    // Our own limit is checked before hashing or offering anything.
    const small = await startInstance('cy', { options: { maxFileBytes: 1024 } });
    const c2 = small.svc.openDirect({
      peer: await (async () => {
        small.svc.addPeer(addr(a));
        await connected(small, a);
        return a.info.instanceId;
      })(),
    }).id;
    await expect(small.svc.fileOffer({ conversation: c2, path: src.path })).rejects.toMatchObject({
      code: 'MESSENGER_FILE_TOO_LARGE',
    });
  });

  it('decline, and cancel from either side', async () => {
    const { a, b, conv } = await pair();
    const src = sourceFile(5 * 1024 * 1024);
    // Declined by the receiver.
    const d = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, d.fileId);
    b.svc.fileDecline({ fileId: d.fileId });
    await pollState(a, d.fileId).toBe('declined');
    expect(transfer(a, d.fileId)!.code).toBe('MESSENGER_FILE_DECLINED');
    // Cancelled by the sender before it was accepted.
    const s = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, s.fileId);
    await a.svc.fileCancel({ fileId: s.fileId });
    await pollState(b, s.fileId).toBe('cancelled');
    await expect(b.svc.fileAccept({ fileId: s.fileId, saveAs: join(tempDir(), 'x') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    // Cancelled by the receiver mid-transfer: the .part goes, the sender stops.
    const r = await a.svc.fileOffer({ conversation: conv, path: src.path });
    await offerAt(b, r.fileId);
    onceReceived(b, r.fileId, 512 * 1024, () => void b.svc.fileCancel({ fileId: r.fileId }));
    const saveAs = join(tempDir(), 'cancel.bin');
    await b.svc.fileAccept({ fileId: r.fileId, saveAs });
    await pollState(a, r.fileId).toBe('cancelled');
    await pollState(b, r.fileId).toBe('cancelled');
    expect(transfer(a, r.fileId)!.code).toBe('MESSENGER_FILE_CANCELLED');
    await expect.poll(() => existsSync(`${saveAs}.part`), { timeout: 10_000 }).toBe(false);
    expect(existsSync(saveAs)).toBe(false);
    await expect(b.svc.fileCancel({ fileId: 'f-0000000000000000' })).rejects.toMatchObject({
      code: 'MESSENGER_FILE_UNKNOWN',
    });
  });
});
