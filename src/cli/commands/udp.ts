// `wirelab udp listen|send`: the UDP engine headless — a UDP server and client, plus what
// Packet Sender users script: echo, fixed replies, multicast groups, \XX escapes, hex, files, stdin.
// Every call goes through the dispatcher (src/cli/client.ts): the UI's schema, limits and error codes.
import { isIP } from 'node:net';
import { decodeBytes } from '../../shared/encoding';
import { UDP_DEFAULTS, type UdpFamily } from '../../shared/contract/udp';
import { familyForHost, formatPeer } from '../../main/engines/udp/address';
import { openClient } from '../client';
import { readPayload } from '../payload-source';
import { EXIT, UsageError, intArg, numArg, optNum, waitAtMost, type Command } from '../framework';
import { reportDropped } from './tcp';

function show(data: Uint8Array, hex: boolean): string {
  return decodeBytes(data, hex ? 'hex' : 'utf8');
}

/** The family to send from: the --bind address's or the destination's. Names that do not resolve fall
 *  back to IPv4, so the send itself reports HOST_NOT_FOUND (or the schema refuses the host). */
async function sendFamily(host: string): Promise<UdpFamily> {
  if (isIP(host)) return isIP(host) === 6 ? 'udp6' : 'udp4';
  if (host.trim() === '' || host.length > 253) return 'udp4';
  return familyForHost(host).catch(() => 'udp4' as const);
}

export const udpListen: Command = {
  path: ['udp', 'listen'],
  summary: 'Bind a UDP socket and print every datagram with its source',
  usage: `wirelab udp listen PORT [--host H] [--echo | --reply TEXT] [--join GROUP [--iface IF]] [--reuse] [--hex] [--json]

  PORT            port to bind (0 picks a free one and prints it)
  --host H        address to bind (default ${UDP_DEFAULTS.host}; 0.0.0.0 or :: for every interface; IPv6 → udp6)
  --echo          send every datagram back to its sender
  --reply TEXT    answer every datagram with TEXT (\\XX escapes allowed), e.g. "${UDP_DEFAULTS.defaultReply}"
  --join GROUP    join a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8); repeatable
  --iface IF      interface for --join: IPv4 address, or IPv6 interface name
  --reuse         SO_REUSEADDR, to share the port with other listeners
  --hex           print datagrams as hex
Runs until Ctrl+C.`,
  options: {
    host: { type: 'string' },
    echo: { type: 'boolean', default: false },
    reply: { type: 'string' },
    join: { type: 'string', multiple: true },
    iface: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    hex: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('udp listen needs exactly one PORT');
    if (values.echo === true && typeof values.reply === 'string')
      throw new UsageError('give --echo or --reply, not both');
    const client = openClient(['udp']);
    try {
      const { api, must } = client;
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'udp') return;
        if (e.type === 'datagram') {
          const from = formatPeer(e.from.address, e.from.port);
          io.out(
            `< ${from} ${e.bytes} B${e.answered ? ` (${e.answered})` : ''}: ${show(e.data, values.hex === true)}`,
            {
              type: 'datagram',
              seq: e.seq,
              from: e.from,
              bytes: e.bytes,
              truncated: e.truncated,
              answered: e.answered ?? null,
              text: decodeBytes(e.data, 'utf8'),
              hex: decodeBytes(e.data, 'hex'),
            },
          );
        } else if (e.type === 'error') io.err(`udp error ${e.code}: ${e.message}`);
        else if (e.type === 'membership')
          io.out(`${e.joined ? 'joined' : 'left'} ${e.group}${e.interface ? ` on ${e.interface}` : ''}`, {
            type: 'membership',
            group: e.group,
            joined: e.joined,
          });
      });
      const info = await must(
        api.udp.bind({
          host: typeof values.host === 'string' ? values.host : undefined,
          port: numArg(positionals[0]),
          reuseAddr: values.reuse === true,
          responder: values.echo === true ? 'echo' : typeof values.reply === 'string' ? 'reply' : 'off',
          ...(typeof values.reply === 'string'
            ? { reply: values.reply, replyEncoding: 'escaped' as const }
            : {}),
        }),
      );
      const groups = Array.isArray(values.join) ? (values.join as string[]) : [];
      const iface = typeof values.iface === 'string' ? values.iface : undefined;
      for (const group of groups)
        await must(api.udp.join({ session: info.session, group, ...(iface ? { interface: iface } : {}) }));
      io.out(`listening on ${formatPeer(info.host, info.port)} (${info.family})`, {
        type: 'listening',
        host: info.host,
        port: info.port,
        family: info.family,
      });
      await io.interrupted;
      client.flush();
    } finally {
      await client.close();
    }
    return EXIT.OK;
  },
};

export const udpSend: Command = {
  path: ['udp', 'send'],
  summary: 'Send one datagram (text or hex) and print the answers',
  usage: `wirelab udp send HOST PORT [TEXT | - | --hex HEX | --file F] [--wait MS] [--answers N] [--bind H] [--broadcast] [--ttl N] [--json]

  TEXT            text to send; \\XX escapes (and \\n \\r \\t) are turned into bytes
  -               send standard input, byte for byte
  --hex HEX       bytes to send as hex, e.g. "48 65 6c 6c 6f"
  --file F        send the file's bytes as they are
  --wait MS       how long to wait for answers (default 1000; 0 = do not wait)
  --answers N     stop waiting as soon as N answers have arrived (still at most --wait)
  --bind H        local address to send from (default: any address of the destination's family)
  --broadcast     allow sending to a broadcast address (SO_BROADCAST)
  --ttl N         multicast TTL / IPv6 hop limit for multicast destinations (default ${UDP_DEFAULTS.multicastTtl})
One datagram holds at most ${UDP_DEFAULTS.maxPayloadIPv4} bytes over IPv4 (DATAGRAM_TOO_LARGE).
Exits 0 once sent (answers or not), 1 on a network error, 2 on bad input.`,
  options: {
    hex: { type: 'string' },
    file: { type: 'string' },
    wait: { type: 'string', default: '1000' },
    answers: { type: 'string' },
    bind: { type: 'string' },
    broadcast: { type: 'boolean', default: false },
    ttl: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length < 2 || positionals.length > 3)
      throw new UsageError('udp send needs HOST PORT [TEXT | -]');
    const [host, portText, text] = positionals as [string, string, string | undefined];
    const wait = intArg(values.wait, '--wait', 0, 3_600_000);
    const enough =
      values.answers === undefined ? undefined : intArg(values.answers, '--answers', 1, 1_000_000);
    const payload = (await readPayload(
      { text, hex: values.hex, file: values.file, stdin: io.stdin },
      'escaped' as const,
    )) ?? { data: '', encoding: 'text' as const };
    const bind = typeof values.bind === 'string' ? values.bind : undefined;
    const family = await sendFamily(bind ?? host);
    const client = openClient(['udp']);
    try {
      const { api, must } = client;
      let answers = 0;
      let resolveEnough = () => {};
      const enoughP = new Promise<void>((r) => (resolveEnough = r));
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'udp' || e.type !== 'datagram') return;
        answers += 1;
        io.out(
          `< ${formatPeer(e.from.address, e.from.port)} ${e.bytes} B: ${show(e.data, typeof values.hex === 'string')}`,
          {
            type: 'datagram',
            from: e.from,
            bytes: e.bytes,
            text: decodeBytes(e.data, 'utf8'),
            hex: decodeBytes(e.data, 'hex'),
          },
        );
        if (enough !== undefined && answers >= enough) resolveEnough();
      });
      const info = await must(
        api.udp.bind({
          host: bind ?? (family === 'udp6' ? '::' : '0.0.0.0'),
          port: 0,
          family,
          broadcast: values.broadcast === true,
          multicastTtl: optNum(values.ttl),
        }),
      );
      const r = await must(api.udp.send({ session: info.session, host, port: numArg(portText), ...payload }));
      io.out(`sent ${r.bytes} B from ${formatPeer(info.host, info.port)} to ${r.to}`, {
        type: 'sent',
        bytes: r.bytes,
        to: r.to,
        localPort: info.port,
      });
      if (wait > 0) await waitAtMost(wait, enoughP, io.interrupted);
      client.flush();
      if (!io.json) io.out(`${answers} answer${answers === 1 ? '' : 's'}`);
    } finally {
      await client.close();
    }
    return EXIT.OK;
  },
};
