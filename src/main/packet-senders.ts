// How the packet library puts one saved packet on the wire per protocol, with the TCP, TLS and UDP
// engines' clients. It lives in the composition layer and is handed to the library (PacketLibrary's
// `openSender`), because an engine imports no other engine. UDP keeps one ephemeral socket
// for a whole job (answers come back to it); TCP and TLS open a connection per send, as Packet Sender
// does, so every send shows a full exchange. Each send waits a bounded time for an answer.
import { isIP } from 'node:net';
import type { TcpEvent } from '../shared/contract/tcp';
import type { TlsSockEvent } from '../shared/contract/tlssock';
import { TcpClient } from './engines/tcp/client';
import { TlsClient } from './engines/tls-socket/client';
import { UdpEndpoint } from './engines/udp/socket';
import { formatPeer } from './engines/common/net';
import type { Answer, Sender, Target } from './engines/packets/sender';
import { familyForHost } from './engines/udp/address';

/** After the first answer, chunks arriving within this many ms still count as the same answer. */
const SETTLE_MS = 20;

function collector(waitMs: number): { push(a: Answer): void; finish(): void; done: Promise<Answer[]> } {
  const got: Answer[] = [];
  let finish: () => void = () => {};
  const done = new Promise<Answer[]>((resolve) => {
    const t = setTimeout(() => finish(), waitMs);
    finish = () => {
      clearTimeout(t);
      resolve(got);
    };
  });
  let settling = false;
  return {
    push(a) {
      got.push(a);
      if (!settling) {
        settling = true;
        setTimeout(() => finish(), SETTLE_MS);
      }
    },
    finish: () => finish(),
    done,
  };
}

async function udpSender(t: Target): Promise<Sender> {
  const family = await familyForHost(t.host);
  const ep = new UdpEndpoint('packet', { host: family === 'udp6' ? '::' : '0.0.0.0', port: 0, family });
  let current: ReturnType<typeof collector> | undefined;
  ep.on((e) => {
    if (e.type === 'datagram') current?.push({ data: e.data, from: formatPeer(e.from.address, e.from.port) });
  });
  await ep.start();
  return {
    async send(bytes, waitMs, onSent) {
      current = collector(waitMs);
      const c = current;
      await ep.send(bytes, t.host, t.port);
      onSent();
      return waitMs > 0 ? c.done : [];
    },
    close: () => ep.close(),
  };
}

function streamSender(t: Target): Sender {
  return {
    async send(bytes, waitMs, onSent) {
      const c = collector(waitMs);
      const from = formatPeer(t.host, t.port);
      const client =
        t.protocol === 'tls'
          ? new TlsClient('packet', {
              host: t.host,
              port: t.port,
              connectTimeoutMs: t.connectTimeoutMs,
              verify: t.tlsVerify,
              servername: t.servername ?? (isIP(t.host) ? undefined : t.host),
            })
          : new TcpClient('packet', { host: t.host, port: t.port, connectTimeoutMs: t.connectTimeoutMs });
      const watch = (e: TcpEvent | TlsSockEvent) => {
        if (e.type === 'client.data') c.push({ data: e.data, from });
        // The peer closing ends the wait at once: nothing more can arrive.
        if (e.type === 'client.state' && e.state === 'closed') c.finish();
      };
      client.on(watch);
      try {
        await client.start();
        client.send(bytes);
        onSent();
        return waitMs > 0 ? await c.done : [];
      } finally {
        await client.close();
      }
    },
    close: async () => undefined,
  };
}

export async function openSender(t: Target): Promise<Sender> {
  return t.protocol === 'udp' ? udpSender(t) : streamSender(t);
}
