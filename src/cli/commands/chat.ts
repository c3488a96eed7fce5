// `wirelab chat host|list|join`: the LAN chat headless — host a server, list servers found on the LAN,
// join one and chat from the terminal (stdin lines are sent, messages printed). Host and join go through
// the dispatcher (src/cli/client.ts); `chat list` browses mDNS itself, so it needs no data dir and runs
// beside a `chat host` that holds one.
import { createInterface } from 'node:readline';
import { CHAT_DEFAULTS, type DiscoveredServer } from '../../shared/contract/chat';
import type { WirelabEvent } from '../../shared/contract';
import { ChatDiscovery } from '../../main/engines/chat/discovery';
import { EngineError } from '../../main/engines/common/errors';
import { defaultCliDataDir, openClient } from '../client';
import { EXIT, UsageError, intArg, numArg, waitAtMost, type Command, type Io } from '../framework';
import { reportDropped } from './tcp';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The chat engine behind the dispatcher, over the data dir (locked, like the app's). */
function chatClient(values: Record<string, unknown>, discovery: boolean) {
  return openClient(['chat'], {
    dataDir: str(values['data-dir']),
    chatDiscovery: discovery,
    chatInterface: str(values.interface),
  });
}

function time(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

export const chatHost: Command = {
  path: ['chat', 'host'],
  summary: 'Host a LAN chat server (announced with mDNS unless --no-discovery)',
  usage: `wirelab chat host [--port N] [--name NAME] [--host H] [--tls] [--password P]
                  [--no-discovery] [--interface IF] [--data-dir D] [--json]

  --port N        port to listen on (default 0 = any free port, printed)
  --name NAME     name shown to others (default "Wirelab chat XXXX")
  --host H        address to bind (default ${CHAT_DEFAULTS.hostBind}: every interface)
  --max-clients N members at once (default ${CHAT_DEFAULTS.maxClients})
  --tls           TLS with this data dir's self-signed certificate (fingerprint printed and announced)
  --password P    members must give this password
  --no-discovery  do not announce on the LAN
  --interface IF  announce only on this interface (name or IPv4 address)
  --data-dir D    where history and the certificate live (default ${defaultCliDataDir()})
Plain text clients work too: nc HOST PORT. Runs until Ctrl+C.`,
  options: {
    port: { type: 'string', default: '0' },
    name: { type: 'string' },
    host: { type: 'string' },
    'max-clients': { type: 'string' },
    tls: { type: 'boolean', default: false },
    password: { type: 'string' },
    'no-discovery': { type: 'boolean', default: false },
    interface: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const discovery = values['no-discovery'] !== true;
    const client = chatClient(values, discovery);
    try {
      const { api, must } = client;
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'chat') return;
        if (e.type === 'host.client' && e.event !== 'updated') {
          io.out(
            `${time(e.at)} ${e.event === 'connected' ? '+' : '-'} ${e.client.nick} ${e.client.address}${e.client.plain ? ' (plain text)' : ''}${e.reason ? ` (${e.reason})` : ''}`,
            { type: e.event, ...e.client, reason: e.reason },
          );
        } else if (e.type === 'host.error') io.err(`chat: ${e.code}: ${e.message}`);
      });
      const info = await must(
        api.chat.hostStart({
          name: str(values.name),
          host: str(values.host),
          port: numArg(values.port),
          tls: values.tls === true,
          password: str(values.password),
          discovery,
          interface: str(values.interface),
          ...(values['max-clients'] !== undefined ? { maxClients: numArg(values['max-clients']) } : {}),
        }),
      );
      io.out(
        `chat "${info.name}" listening on ${info.host}:${info.port}${info.tls ? ` (TLS, fingerprint ${info.fingerprint})` : ''}${info.discovery ? ', announced on the LAN' : ', discovery off'}`,
        {
          type: 'listening',
          name: info.name,
          host: info.host,
          port: info.port,
          tls: info.tls,
          fingerprint: info.fingerprint,
          discovery: info.discovery,
        },
      );
      await io.interrupted;
      client.flush();
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

async function browseFor(
  ms: number,
  iface: string | undefined,
  until?: (s: DiscoveredServer) => boolean,
): Promise<DiscoveredServer[]> {
  const d = new ChatDiscovery('cli', { interface: iface, refreshMs: 1000 });
  try {
    d.browse();
    const start = Date.now();
    while (Date.now() - start < ms) {
      if (until && d.servers().some(until)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return d.servers();
  } finally {
    await d.close();
  }
}

export const chatList: Command = {
  path: ['chat', 'list'],
  summary: 'List chat servers announced on the LAN (mDNS)',
  usage: `wirelab chat list [--wait MS] [--interface IF] [--json]

  --wait MS       how long to listen for announcements (default 3000)
  --interface IF  browse only on this interface (name or IPv4 address)`,
  options: {
    wait: { type: 'string', default: '3000' },
    interface: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const wait = intArg(values.wait, '--wait', 0, 600_000);
    const servers = await browseFor(wait, str(values.interface));
    if (servers.length === 0) io.out('no chat servers found', { type: 'none' });
    for (const s of servers) {
      io.out(`${s.name}\t${s.host}:${s.port}${s.tls ? `\tTLS ${s.fingerprint ?? ''}` : ''}`, {
        type: 'server',
        ...s,
      });
    }
    return EXIT.OK;
  },
};

function printEvent(e: WirelabEvent, io: Io, nick: string): void {
  reportDropped(e, io);
  if (e.engine !== 'chat') return;
  switch (e.type) {
    case 'client.message': {
      const m = e.message;
      if (m.status !== 'received') return;
      const where = m.room !== undefined ? `#${m.room}` : `(private)`;
      io.out(`${time(m.at)} ${where} ${m.from}: ${m.text}`, { type: 'message', ...m });
      return;
    }
    case 'client.presence':
      if (e.nick !== nick)
        io.out(
          `${time(e.at)} * ${e.nick} ${e.event === 'join' ? 'joined' : 'left'} #${e.room} (${e.members.length} online)`,
          { type: 'presence', room: e.room, nick: e.nick, event: e.event, members: e.members },
        );
      return;
    case 'client.state':
      io.err(`chat: ${e.state}${e.code ? ` (${e.code}: ${e.message ?? ''})` : ''}`);
      if (io.json) io.out('', { type: 'state', state: e.state, code: e.code });
      return;
    case 'client.error':
      io.err(`chat: ${e.code}: ${e.message}`);
      return;
    case 'client.cert':
      if (e.event === 'changed')
        io.err(`chat: WARNING certificate changed: now ${e.fingerprint}, pinned ${e.previous}`);
      else io.err(`chat: pinned certificate ${e.fingerprint}`);
      return;
    case 'client.rooms':
      io.out(e.rooms.map((r) => `#${r.name} (${r.members})`).join('  '), { type: 'rooms', rooms: e.rooms });
      return;
    case 'client.file':
      io.out(
        `file ${e.transfer.fileId} ${e.transfer.direction} ${e.transfer.name} ${e.transfer.state} ${e.transfer.transferred}/${e.transfer.size}`,
        { type: 'file', ...e.transfer },
      );
      return;
    default:
      return;
  }
}

export const chatJoin: Command = {
  path: ['chat', 'join'],
  summary: 'Join a chat server by HOST:PORT or by its announced NAME; stdin lines are sent',
  usage: `wirelab chat join HOST:PORT|NAME [--nick N] [--room R] [--tls] [--password P]
                  [--fingerprint FP] [--no-discovery] [--interface IF] [--data-dir D] [--json]

  --nick N        nickname (default: your user name)
  --room R        room to join (default ${CHAT_DEFAULTS.defaultRoom})
  --tls           connect with TLS (the fingerprint is pinned on first use)
  --fingerprint   expected SHA-256 certificate fingerprint
  --no-discovery  NAME lookup off: only HOST:PORT works
Lines typed are sent to the room. Commands: /msg NICK TEXT, /join ROOM, /leave ROOM, /rooms, /quit.
History and unsent messages are kept in the data dir and resent after a reconnect.`,
  options: {
    nick: { type: 'string' },
    room: { type: 'string' },
    tls: { type: 'boolean', default: false },
    password: { type: 'string' },
    fingerprint: { type: 'string' },
    'no-discovery': { type: 'boolean', default: false },
    interface: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('chat join needs HOST:PORT or NAME');
    const target = positionals[0]!;
    let host: string;
    let port: number;
    let tls = values.tls === true;
    let fingerprint = str(values.fingerprint);
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (m) {
      host = m[1]!;
      port = numArg(m[2]);
    } else {
      if (values['no-discovery'] === true)
        throw new UsageError(`"${target}" is not HOST:PORT and discovery is off`);
      const found = (await browseFor(5000, str(values.interface), (s) => s.name === target)).find(
        (s) => s.name === target,
      );
      if (!found) throw new EngineError('NOT_FOUND', `no chat server named "${target}" announced on the LAN`);
      host = found.host;
      port = found.port;
      tls ||= found.tls;
      fingerprint ??= found.fingerprint;
    }
    const fallbackNick = (process.env.USER ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 32);
    const nick = str(values.nick) ?? (fallbackNick.length > 0 ? fallbackNick : 'me');
    const client = chatClient(values, false);
    try {
      const { api, must } = client;
      client.onEvent((e) => printEvent(e, io, nick));
      const info = await must(
        api.chat.connect({
          host,
          port,
          nick,
          room: str(values.room),
          tls,
          password: str(values.password),
          fingerprint,
        }),
      );
      // The room the contract chose when --room was left out.
      const room = str(values.room) ?? info.rooms[0] ?? CHAT_DEFAULTS.defaultRoom;
      io.out(`joined ${info.serverName ?? ''} ${host}:${port} as ${nick} in #${room}`, {
        type: 'joined',
        ...info,
      });
      const session = info.session;
      let current = room;
      const rl = createInterface({ input: io.stdin });
      const done = new Promise<void>((resolve) => rl.once('close', resolve));
      // Calls answer in order; a refused line (too long, unknown room…) is reported, the session goes on.
      const report = (call: Promise<unknown>) =>
        void call.catch((err: unknown) => {
          const e = err instanceof EngineError ? err : new EngineError('INTERNAL', String(err));
          io.err(`chat: ${e.code}: ${e.message}`);
        });
      rl.on('line', (line) => {
        const cmd = /^\/(\w+)\s*(.*)$/.exec(line);
        if (!cmd) {
          if (line.trim()) report(must(api.chat.send({ session, room: current, text: line })));
          return;
        }
        const [, name, rest = ''] = cmd;
        if (name === 'msg') {
          const pm = /^(\S+)\s+(.+)$/.exec(rest);
          if (!pm) return io.err('usage: /msg NICK TEXT');
          report(must(api.chat.send({ session, to: pm[1]!, text: pm[2]! })));
        } else if (name === 'join' && rest) {
          const room = rest.trim();
          report(must(api.chat.join({ session, room })).then(() => (current = room)));
        } else if (name === 'leave' && rest) report(must(api.chat.leave({ session, room: rest.trim() })));
        else if (name === 'rooms') report(must(api.chat.rooms({ session })));
        else if (name === 'quit') rl.close();
        else io.err(`unknown command /${name}`);
      });
      await Promise.race([done, io.interrupted]);
      rl.close();
      // Stdin ended (a script piping lines): wait for the server to acknowledge what was sent.
      const deadline = Date.now() + 10_000;
      const me = async () => (await must(api.chat.list({}))).clients[0];
      for (let c = await me(); Date.now() < deadline && (c?.pending ?? 0) > 0 && c?.state !== 'closed';) {
        await waitAtMost(50, io.interrupted);
        c = await me();
      }
      const left = (await me())?.pending ?? 0;
      client.flush();
      if (left > 0)
        io.err(`chat: ${left} message(s) not acknowledged yet; they are kept and resent next time`);
      return left > 0 ? EXIT.FAILED : EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
