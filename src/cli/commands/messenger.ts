// `wirelab chat presence|peers|dm`: the LAN messenger headless, for scripts and tests. Each run is one
// instance on its data dir (its identity, certificate, peer directory and history; locked like the
// app's), reaching peers by DNS-SD and/or by address (--peer). Everything goes through the dispatcher
// (src/cli/client.ts), so bad input gets the UI's codes (exit 2).
import type { WirelabEvent } from '../../shared/contract';
import type { MessengerConversation, MessengerPeer } from '../../shared/contract/messenger';
import { defaultCliDataDir, openClient, type CliClient } from '../client';
import { EXIT, UsageError, intArg, numArg, waitAtMost, type Command, type Io } from '../framework';
import { acceptFiles } from './messenger-accept';
import { reportDropped } from './tcp';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** HOST:PORT (IPv6 as [addr]:port). */
export function peerAddress(spec: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec) ?? /^([^:]+):(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--peer wants HOST:PORT, got "${spec}"`);
  return { host: m[1]!, port: numArg(m[2]) };
}

export const common = {
  nick: { type: 'string' },
  port: { type: 'string', default: '0' },
  host: { type: 'string' },
  peer: { type: 'string', multiple: true },
  interface: { type: 'string', multiple: true },
  'no-discovery': { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
} as const;

export const commonUsage = `  --nick N        nickname shown to others (default: the one this data dir used last)
  --port N        port peers connect to (default 0 = any free port, printed)
  --host H        address to listen on (default 0.0.0.0: every interface)
  --peer H:P      also reach the peer at this address (repeatable; works without multicast)
  --interface IF  announce and browse only on this interface (repeatable; default every non-loopback)
  --no-discovery  no DNS-SD at all (no multicast socket): peers by --peer only
  --data-dir D    identity, certificate, peers and history (default ${defaultCliDataDir()})`;

export type Client = CliClient<'messenger'>;

export async function startMessenger(values: Record<string, unknown>, client: Client, fallbackNick: string) {
  const { api, must } = client;
  const discovery = values['no-discovery'] !== true;
  const before = await must(api.messenger.info({}));
  const nick = str(values.nick) ?? (before.nick || fallbackNick);
  return must(
    api.messenger.start({
      nick,
      port: numArg(values.port),
      ...(str(values.host) ? { host: str(values.host) } : {}),
      discovery,
      ...(list(values.interface).length ? { interfaces: list(values.interface) } : {}),
      peers: list(values.peer).map(peerAddress),
    }),
  );
}

export function open(values: Record<string, unknown>): Client {
  return openClient(['messenger'], {
    dataDir: str(values['data-dir']),
    chatDiscovery: values['no-discovery'] !== true,
  });
}

function describePeer(p: MessengerPeer): string {
  const where = p.host ? ` ${p.host}:${p.port ?? '?'}` : '';
  const since =
    p.presence === 'offline' && p.offlineSince ? ` since ${new Date(p.offlineSince).toISOString()}` : '';
  return `${p.nick} [${p.id}]${where} ${p.presence}${since}${p.certChanged ? ' CERTIFICATE CHANGED' : ''}`;
}

export function printEvent(e: WirelabEvent, io: Io): void {
  reportDropped(e, io);
  if (e.engine !== 'messenger') return;
  switch (e.type) {
    case 'peer.appeared':
    case 'peer.changed':
    case 'peer.gone':
      io.out(`${e.type === 'peer.gone' ? '-' : '+'} ${describePeer(e.peer)}`, { type: e.type, ...e.peer });
      return;
    case 'message':
      if (e.message.mine) return;
      io.out(
        `${e.message.fromNick}${e.message.conversation.startsWith('g:') ? ` (${e.message.conversation})` : ''}: ${e.message.text}${e.message.late ? ' (late)' : ''}`,
        { type: 'message', ...e.message },
      );
      return;
    case 'cert':
      if (e.event === 'changed')
        io.err(`WARNING: ${e.peer} presented certificate ${e.fingerprint}, expected ${e.previous} — refused`);
      return;
    case 'error':
      io.err(`messenger: ${e.code}: ${e.message}`);
      return;
    default:
  }
}

/** The peer called `who` (nickname or instance id), connected ones first, looked for up to `wait` ms. */
export async function findPeer(
  client: Client,
  who: string,
  wait: number,
): Promise<MessengerPeer | undefined> {
  const find = async () =>
    (await client.must(client.api.messenger.peers({}))).peers
      .filter((p) => p.nick === who || p.id === who)
      .sort((a, b) => Number(b.connected) - Number(a.connected))[0];
  let peer = await find();
  const lookUntil = Date.now() + wait;
  while (!peer && Date.now() < lookUntil) {
    await new Promise((r) => setTimeout(r, 100));
    peer = await find();
  }
  return peer;
}

/**
 * The direct conversation with `who`, once found (see findPeer); undefined, said on stderr with
 * MESSENGER_PEER_UNKNOWN, when nobody of that name showed up within `wait` ms.
 */
export async function directWith(
  client: Client,
  who: string,
  wait: number,
  io: Io,
): Promise<{ peer: MessengerPeer; conv: MessengerConversation } | undefined> {
  const peer = await findPeer(client, who, wait);
  if (!peer) {
    io.err(`wirelab: MESSENGER_PEER_UNKNOWN: nobody called ${who} found within ${wait} ms`);
    return undefined;
  }
  return { peer, conv: await client.must(client.api.messenger.openDirect({ peer: peer.id })) };
}

export const chatPresence: Command = {
  path: ['chat', 'presence'],
  summary: 'Be on the LAN messenger: announce, list people as they come and go, print incoming messages',
  usage: `wirelab chat presence --nick N [--data-dir D] [--peer H:P]… [--json]

${commonUsage}
  --accept-files DIR  accept every file offered, saved in DIR (never over an existing file)
Runs until Ctrl+C, then says goodbye. With --json: one object per line (listening, peer.*, message, file).`,
  options: { ...common, 'accept-files': { type: 'string' } },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const client = open(values);
    try {
      client.onEvent((e) => printEvent(e, io));
      const acceptDir = str(values['accept-files']);
      if (acceptDir) acceptFiles(client, acceptDir, io);
      const info = await startMessenger(values, client, 'wirelab');
      io.out(
        `${info.nick} [${info.instanceId}] on port ${info.port}, fingerprint ${info.fingerprint}${info.discovery ? `, announced on ${info.interfaces.join(', ') || 'no interface'}` : ', discovery off'}`,
        { type: 'listening', ...info },
      );
      await io.interrupted;
      await client.must(client.api.messenger.stop({}));
      client.flush();
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const chatPeers: Command = {
  path: ['chat', 'peers'],
  summary: 'List people on the LAN messenger (and those seen before), then exit',
  usage: `wirelab chat peers [--wait MS] [--nick N] [--data-dir D] [--peer H:P]… [--json]

  --wait MS       how long to listen and connect before listing (default 3000; with --peer, until
                  every peer given by address is connected, at most this long)
${commonUsage}`,
  options: { ...common, wait: { type: 'string', default: '3000' } },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const wait = intArg(values.wait, '--wait', 0, 600_000);
    const client = open(values);
    try {
      await startMessenger(values, client, 'wirelab');
      // Listens for --wait, or less once every peer given by address is connected.
      const byAddress = list(values.peer).length;
      const until = Date.now() + wait;
      while (Date.now() < until) {
        const now = await client.must(client.api.messenger.peers({}));
        if (byAddress > 0 && now.peers.filter((p) => p.connected).length >= byAddress) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { peers } = await client.must(client.api.messenger.peers({}));
      for (const p of peers) io.out(describePeer(p), { type: 'peer', ...p });
      if (peers.length === 0) io.out('nobody found', undefined);
      await client.must(client.api.messenger.stop({}));
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const chatDm: Command = {
  path: ['chat', 'dm'],
  summary: 'Send a direct message on the LAN messenger; exit once the peer acknowledged it (or --queue)',
  usage: `wirelab chat dm NICK TEXT [--queue] [--wait MS] [--timeout MS] [--nick N] [--data-dir D] [--peer H:P]…

  NICK            the person's nickname (or instance id)
  --queue         exit 0 once the message is stored in the outbox; it goes when both are online
  --wait MS       how long to look for NICK if this data dir never met them (default 10000)
  --timeout MS    how long to wait for the acknowledgement (default 30000; exit 1, message kept queued)
${commonUsage}`,
  options: {
    ...common,
    queue: { type: 'boolean', default: false },
    wait: { type: 'string', default: '10000' },
    timeout: { type: 'string', default: '30000' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) throw new UsageError('usage: wirelab chat dm NICK TEXT');
    const [who, text] = positionals as [string, string];
    const wait = intArg(values.wait, '--wait', 0, 600_000);
    const timeout = intArg(values.timeout, '--timeout', 1, 3_600_000);
    const client = open(values);
    try {
      const { api, must } = client;
      // The contract's own checks, before any socket: a bad nickname or text is exit 2 at once.
      client.check('messenger.start', { nick: who });
      client.check('messenger.send', { conversation: `dm:${'0'.repeat(16)}:${'0'.repeat(16)}`, text });
      await startMessenger(values, client, 'wirelab');
      const found = await directWith(client, who, wait, io);
      if (!found) return EXIT.FAILED;
      const { peer, conv } = found;
      let delivered = false;
      let sentId = '';
      const done = new Promise<void>((resolve) => {
        client.onEvent((e) => {
          printEvent(e, io);
          if (e.engine === 'messenger' && e.type === 'message.acked' && e.id === sentId && e.delivered) {
            delivered = true;
            resolve();
          }
        });
      });
      const { message } = await must(api.messenger.send({ conversation: conv.id, text }));
      sentId = message.id;
      if (values.queue === true) {
        io.out(`queued for ${peer.nick} (${message.id})`, { type: 'queued', id: message.id, to: peer.id });
        return EXIT.OK;
      }
      await waitAtMost(timeout, done, io.interrupted);
      client.flush();
      if (!delivered) {
        io.err(
          `wirelab: TIMEOUT: ${peer.nick} did not acknowledge within ${timeout} ms; the message stays queued`,
        );
        return EXIT.FAILED;
      }
      io.out(`delivered to ${peer.nick} (${message.id})`, { type: 'delivered', id: message.id, to: peer.id });
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
