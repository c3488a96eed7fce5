// Shared setup for chat integration tests: servers and clients on 127.0.0.1 port 0, temp data dirs, and
// cleanup registered the moment each thing exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { ChatServer, type ChatServerOptions } from '../../../src/main/engines/chat/server';
import { ChatClient, type ChatClientOptions } from '../../../src/main/engines/chat/client';

export function tempDir(prefix = 'wirelab-chat-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export async function startServer(
  opts: Partial<ChatServerOptions> = {},
): Promise<{ server: ChatServer; port: number; events: ChatEvent[] }> {
  const server = new ChatServer('h', { name: 'test', host: '127.0.0.1', port: 0, ...opts });
  const events: ChatEvent[] = [];
  server.on((e) => events.push(e));
  onTestFinished(() => server.close());
  const info = await server.start();
  return { server, port: info.port, events };
}

export function makeClient(
  port: number,
  nick: string,
  opts: Partial<ChatClientOptions> = {},
): { client: ChatClient; events: ChatEvent[] } {
  const client = new ChatClient(`c-${nick}`, {
    host: '127.0.0.1',
    port,
    nick,
    identity: `identity-of-${nick}`,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    ...opts,
  });
  const events: ChatEvent[] = [];
  client.on((e) => events.push(e));
  onTestFinished(() => client.close());
  return { client, events };
}

export async function connectClient(port: number, nick: string, opts: Partial<ChatClientOptions> = {}) {
  const c = makeClient(port, nick, opts);
  await c.client.start();
  return c;
}

export function received(
  events: ChatEvent[],
): { id: string; text: string; from: string; seq?: number; room?: string; peer?: string }[] {
  const out = new Map<
    string,
    { id: string; text: string; from: string; seq?: number; room?: string; peer?: string }
  >();
  for (const e of events) {
    if (e.type === 'client.message' && e.message.status === 'received') out.set(e.message.id, e.message);
  }
  return [...out.values()];
}

/** Every 'received' message event, duplicates included (to prove there are none). */
export function receivedRaw(events: ChatEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === 'client.message' && e.message.status === 'received' ? [e.message.text] : [],
  );
}

/** A TCP relay in front of a server whose connections the test can cut, losing whatever is in flight. */
export async function startCutProxy(
  targetPort: number,
  opts: {
    /**
     * Once: the first client→server chunk this matches is not forwarded and the connection is cut, as
     * if the network died right after the client wrote it.
     */
    loseUpstream?: (chunk: Buffer) => boolean;
    /** Once: cut the connection when this many server→client bytes have been forwarded on it. */
    cutAfterDownstreamBytes?: number;
  } = {},
): Promise<{ port: number; cut: () => void; pairs: () => number }> {
  const pairs = new Set<Socket>();
  let lose = opts.loseUpstream;
  let cutAfter = opts.cutAfterDownstreamBytes;
  const server = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: targetPort });
    pairs.add(inbound);
    pairs.add(outbound);
    const kill = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(inbound);
      pairs.delete(outbound);
    };
    inbound.on('error', kill).on('close', kill);
    outbound.on('error', kill).on('close', kill);
    if (lose)
      inbound.on('data', (chunk: Buffer) => {
        if (lose?.(chunk)) {
          lose = undefined;
          kill();
        } else if (!outbound.write(chunk)) {
          inbound.pause();
          outbound.once('drain', () => inbound.resume());
        }
      });
    else inbound.pipe(outbound);
    if (cutAfter !== undefined) {
      let forwarded = 0;
      outbound.on('data', (chunk: Buffer) => {
        if (cutAfter === undefined) return;
        forwarded += chunk.length;
        if (forwarded >= cutAfter) {
          cutAfter = undefined;
          kill();
        }
      });
    }
    outbound.pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(async () => {
    for (const s of pairs) s.destroy();
    await new Promise((r) => server.close(r));
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    cut: () => {
      for (const s of pairs) s.destroy();
    },
    pairs: () => pairs.size / 2,
  };
}
