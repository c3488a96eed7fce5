// TLS with the app certificate and trust on first use; file transfer with resume and checksum.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../helpers/net';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import { ChatServer } from '../../../src/main/engines/chat/server';
import type { PinStore } from '../../../src/main/engines/chat/client';
import type { ChatEvent, FileTransferInfo } from '../../../src/shared/contract/chat';
import { connectClient, makeClient, received, startCutProxy, startServer, tempDir } from './helpers';

function memoryPins(): PinStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: (k) => map.get(k), set: (k, v) => void map.set(k, v) };
}

describe('chat over TLS', () => {
  it('pins the fingerprint on first use, chats, and refuses loudly when the certificate changes', async () => {
    const cert1 = await loadOrCreateAppCertificate(tempDir());
    const s1 = new ChatServer('h', { name: 'tls', host: '127.0.0.1', port: 0, tls: cert1 });
    onTestFinished(() => s1.close());
    const { port } = await s1.start();
    const pins = memoryPins();
    const a = await connectClient(port, 'alice', { tls: true, pins });
    const b = await connectClient(port, 'bob', { tls: true, pins: memoryPins() });
    expect(pins.map.get(`127.0.0.1:${port}`)).toBe(cert1.fingerprint256);
    expect(a.events.some((e) => e.type === 'client.cert' && e.event === 'pinned')).toBe(true);
    a.client.send({ room: 'lobby' }, 'over TLS');
    await waitFor(() => received(b.events).length === 1);
    await a.client.close();
    await s1.close();

    // Same address, another certificate: a man in the middle would look like this.
    const cert2 = await loadOrCreateAppCertificate(tempDir());
    const s2 = new ChatServer('h', { name: 'tls', host: '127.0.0.1', port, tls: cert2 });
    onTestFinished(() => s2.close());
    await s2.start();
    const again = makeClient(port, 'alice', { tls: true, pins });
    await expect(again.client.start()).rejects.toMatchObject({ code: 'CHAT_CERT_CHANGED' });
    const warn = again.events.find((e) => e.type === 'client.cert' && e.event === 'changed') as Extract<
      ChatEvent,
      { type: 'client.cert' }
    >;
    expect(warn).toMatchObject({ fingerprint: cert2.fingerprint256, previous: cert1.fingerprint256 });
    expect(pins.map.get(`127.0.0.1:${port}`)).toBe(cert1.fingerprint256);
  });

  it('a fingerprint given up front (from discovery) must match', async () => {
    const cert = await loadOrCreateAppCertificate(tempDir());
    const { port } = await startServer({ tls: cert });
    const bad = makeClient(port, 'alice', { tls: true, expectedFingerprint: 'AA:BB' });
    await expect(bad.client.start()).rejects.toMatchObject({ code: 'CHAT_CERT_CHANGED' });
    const good = makeClient(port, 'alice', { tls: true, expectedFingerprint: cert.fingerprint256 });
    await expect(good.client.start()).resolves.toMatchObject({
      state: 'open',
      fingerprint: cert.fingerprint256,
    });
  });
});

function transfer(events: ChatEvent[], state?: FileTransferInfo['state']): FileTransferInfo | undefined {
  const all = events.flatMap((e) => (e.type === 'client.file' ? [e.transfer] : []));
  return state ? all.find((t) => t.state === state) : all.at(-1);
}

describe('chat file transfer', () => {
  it('offer, accept to a chosen path, progress, resume after a dropped connection, SHA-256 checked', async () => {
    const { port } = await startServer({ rateLimitPerSec: 1000, rateLimitBurst: 1000 });
    // Bob's connection is cut once 1 MiB has reached him: mid-transfer, on the fastest machine too.
    const proxy = await startCutProxy(port, { cutAfterDownstreamBytes: 1024 * 1024 });
    const dir = tempDir();
    const src = join(dir, 'source.bin');
    const data = randomBytes(3 * 1024 * 1024 + 123);
    writeFileSync(src, data);
    const a = await connectClient(port, 'alice');
    const b = await connectClient(proxy.port, 'bob');
    const offer = await a.client.files.offer('bob', src);
    expect(offer).toMatchObject({
      state: 'offered',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    await waitFor(() => transfer(b.events, 'offered'), 5000, 'offer arrives');
    const saveAs = join(dir, 'chosen-name.bin');
    await b.client.files.accept(offer.fileId, saveAs);
    await waitFor(() => transfer(b.events, 'done'), 20_000, 'receiver done').catch((err: unknown) => {
      throw new Error(
        `${String(err)}; receiver ${JSON.stringify(transfer(b.events))} ${JSON.stringify(b.client.info())}; sender ${JSON.stringify(transfer(a.events))}; errors ${JSON.stringify([...a.events, ...b.events].filter((e) => e.type === 'client.error'))}`,
      );
    });
    await waitFor(() => transfer(a.events, 'done'), 5000, 'sender done');
    expect(readFileSync(saveAs).equals(data)).toBe(true);
    expect(existsSync(`${saveAs}.part`)).toBe(false);
    expect(b.client.info().reconnects).toBeGreaterThanOrEqual(1);
    // Progress was reported on the way, not only at the end.
    const progress = b.events.flatMap((e) => (e.type === 'client.file' ? [e.transfer] : []));
    expect(progress.some((t) => t.state === 'transferring' && t.transferred > 0)).toBe(true);
    // Nothing was written anywhere but the chosen path.
    expect(transfer(b.events, 'done')?.savedTo).toBe(saveAs);
  }, 40_000);

  it("the receiver's file.done lost in a cut reaches the sender after the reconnect", async () => {
    const { port } = await startServer();
    const proxy = await startCutProxy(port, {
      loseUpstream: (chunk) => chunk.includes('"t":"file.done"'),
    });
    const dir = tempDir();
    const src = join(dir, 'small.bin');
    writeFileSync(src, randomBytes(100_000));
    const a = await connectClient(port, 'alice');
    const b = await connectClient(proxy.port, 'bob');
    const offer = await a.client.files.offer('bob', src);
    await waitFor(() => transfer(b.events, 'offered'), 5000, 'offer arrives');
    await b.client.files.accept(offer.fileId, join(dir, 'got.bin'));
    await waitFor(() => transfer(b.events, 'done'), 20_000, 'receiver done');
    await waitFor(() => b.client.info().reconnects >= 1, 20_000, 'receiver reconnected');
    await waitFor(() => transfer(a.events, 'done'), 20_000, 'sender done');
  });

  it('size limit, refusing to overwrite, cancel', async () => {
    const { port } = await startServer({ maxFileBytes: 1000 });
    const dir = tempDir();
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(2000));
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'hello file');
    const a = await connectClient(port, 'alice');
    const b = await connectClient(port, 'bob');
    await expect(a.client.files.offer('bob', big)).rejects.toMatchObject({ code: 'CHAT_FILE_TOO_LARGE' });
    const offer = await a.client.files.offer('bob', small);
    await waitFor(() => transfer(b.events, 'offered'));
    await expect(b.client.files.accept(offer.fileId, small)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    b.client.files.cancel(offer.fileId);
    await waitFor(() => transfer(a.events, 'cancelled'), 5000, 'sender sees the cancel');
    expect(transfer(a.events, 'cancelled')?.code).toBe('CHAT_FILE_CANCELLED');
    await expect(a.client.files.offer('bob', join(dir, 'missing'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('chat file transfer: a sender that lies', () => {
  it('data that does not match the offered SHA-256 is discarded with CHAT_FILE_CHECKSUM; nothing is saved', async () => {
    const { port } = await startServer();
    const dir = tempDir();
    const b = await connectClient(port, 'bob');
    const { rawConnect, collect } = await import('../../helpers/net');
    const s = await rawConnect(port);
    onTestFinished(() => {
      s.destroy();
    });
    const r = collect(s);
    const send = (o: unknown) => s.write(`${JSON.stringify(o)}\n`);
    send({ t: 'hello', v: 1, nick: 'liar', identity: 'liar-identity-1234' });
    await r.until((t) => t.includes('"welcome"'));
    const honest = Buffer.from('hello');
    send({
      t: 'file.offer',
      fileId: 'f-lie',
      to: 'bob',
      name: '../../etc/evil',
      size: 5,
      sha256: createHash('sha256').update(honest).digest('hex'),
    });
    await waitFor(() => transfer(b.events, 'offered'), 5000, 'offer');
    // The offered name is only a suggestion: it never becomes a path.
    expect(transfer(b.events, 'offered')?.name).toBe('evil');
    const saveAs = join(dir, 'received.txt');
    await b.client.files.accept('f-lie', saveAs);
    await r.until((t) => t.includes('"file.accept"'));
    send({ t: 'file.chunk', fileId: 'f-lie', offset: 0, data: Buffer.from('HELLO').toString('base64') });
    await waitFor(() => transfer(b.events, 'failed'), 5000, 'checksum failure');
    expect(transfer(b.events, 'failed')?.code).toBe('CHAT_FILE_CHECKSUM');
    await r.until((t) => t.includes('"file.done"') && t.includes('"ok":false'));
    expect(existsSync(saveAs)).toBe(false);
    expect(existsSync(`${saveAs}.part`)).toBe(false);
  });
});
