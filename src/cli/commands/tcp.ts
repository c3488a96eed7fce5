// `wirelab tcp listen|send`: the TCP workbench headless, as Packet Sender users script it. Every call
// goes through the dispatcher (src/cli/client.ts): the UI's schema, defaults, limits and error codes.
import { decodeBytes } from '../../shared/encoding';
import { TCP_DEFAULTS } from '../../shared/contract/tcp';
import type { WirelabEvent } from '../../shared/contract';
import { decodePayload } from '../../main/engines/tcp/workbench';
import { openClient } from '../client';
import { readPayload } from '../payload-source';
import { EXIT, UsageError, intArg, numArg, optNum, waitAtMost, type Command, type Io } from '../framework';

function show(data: Uint8Array, hex: boolean): string {
  return hex ? decodeBytes(data, 'hex') : decodeBytes(data, 'utf8');
}

/** Reports events the bus had to drop (a peer sending faster than the terminal prints). */
export function reportDropped(e: WirelabEvent, io: Io): void {
  if (e.engine === 'bus') io.err(`(${e.count} events dropped: output could not keep up)`);
}

export const tcpListen: Command = {
  path: ['tcp', 'listen'],
  summary: 'Run a TCP server and print what clients send',
  usage: `wirelab tcp listen PORT [--host H] [--welcome TEXT] [--echo] [--max-clients N] [--hex] [--json]

  PORT            port to listen on (0 picks a free one and prints it)
  --host H        address to bind (default ${TCP_DEFAULTS.serverHost}; 0.0.0.0 for every interface)
  --welcome TEXT  sent to each client on connect (e.g. "Welcome to the server!")
  --echo          send every received chunk back to its sender
  --max-clients N connections at once (default ${TCP_DEFAULTS.maxClients}); more are closed at once
  --hex           print received data as hex instead of UTF-8 text
Runs until Ctrl+C.`,
  options: {
    host: { type: 'string' },
    welcome: { type: 'string' },
    echo: { type: 'boolean', default: false },
    'max-clients': { type: 'string' },
    hex: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('tcp listen needs exactly one PORT');
    const client = openClient(['tcp']);
    try {
      const { api, must } = client;
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'tcp') return;
        switch (e.type) {
          case 'server.clientConnected':
            io.out(`+ ${e.client.clientId} ${e.client.remoteAddress}:${e.client.remotePort}`, {
              type: 'connected',
              ...e.client,
            });
            break;
          case 'server.data':
            io.out(`< ${e.clientId} ${show(e.data, values.hex === true)}`, {
              type: 'data',
              clientId: e.clientId,
              bytes: e.bytes,
              text: decodeBytes(e.data, 'utf8'),
              hex: decodeBytes(e.data, 'hex'),
            });
            break;
          case 'server.clientClosed':
            io.out(`- ${e.clientId} (${e.reason})`, {
              type: 'closed',
              clientId: e.clientId,
              reason: e.reason,
            });
            break;
          case 'server.error':
            io.err(`server error ${e.code}: ${e.message}`);
            break;
          default:
            break;
        }
      });
      const info = await must(
        api.tcp.serverStart({
          host: typeof values.host === 'string' ? values.host : undefined,
          port: numArg(positionals[0]),
          welcome: typeof values.welcome === 'string' ? values.welcome : undefined,
          echo: values.echo === true,
          maxClients: optNum(values['max-clients']),
        }),
      );
      const session = info.session;
      io.out(`listening on ${info.host}:${info.port}`, {
        type: 'listening',
        host: info.host,
        port: info.port,
      });
      await io.interrupted;
      await must(api.tcp.serverStop({ session }));
      client.flush();
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const tcpSend: Command = {
  path: ['tcp', 'send'],
  summary: 'Connect, send text, hex, a file or stdin, print what comes back',
  usage: `wirelab tcp send HOST PORT [TEXT | - | --hex HEX | --file F] [--wait MS] [--bytes N] [--timeout MS] [--json]

  TEXT            UTF-8 text to send (omit to only read, e.g. a welcome message)
  -               send standard input, byte for byte
  --hex HEX       bytes to send as hex, e.g. "48 65 6c 6c 6f"
  --file F        send the file's bytes as they are
  --wait MS       how long to keep reading after sending (default 1000)
  --bytes N       stop reading as soon as N bytes have come back (still at most --wait)
  --timeout MS    connect timeout (default ${TCP_DEFAULTS.connectTimeoutMs})
One payload is at most 4 MiB of text (a file that is not UTF-8 travels as hex: 2 MiB); more is
LIMIT_EXCEEDED, as in the app. Exits 0 when connected and sent, 1 on a network error, 2 on bad input.`,
  options: {
    hex: { type: 'string' },
    file: { type: 'string' },
    wait: { type: 'string', default: '1000' },
    bytes: { type: 'string' },
    timeout: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length < 2 || positionals.length > 3)
      throw new UsageError('tcp send needs HOST PORT [TEXT | -]');
    const [host, portText, text] = positionals as [string, string, string | undefined];
    const wait = intArg(values.wait, '--wait', 0, 3_600_000);
    const enough = values.bytes === undefined ? undefined : intArg(values.bytes, '--bytes', 1, 2 ** 40);
    const payload = await readPayload(
      { text, hex: values.hex, file: values.file, stdin: io.stdin },
      'text' as const,
    );
    const client = openClient(['tcp']);
    try {
      const { api, must } = client;
      if (payload) {
        // Bad payloads fail before a connection is opened, with the codes clientSend would answer: its
        // schema, then the engine's own decoder.
        client.check('tcp.clientSend', { session: 'pending', ...payload });
        decodePayload(payload.data, payload.encoding);
      }
      let closed = false;
      let received = 0;
      let resolveClosed = () => {};
      const closedP = new Promise<void>((r) => (resolveClosed = r));
      let resolveEnough = () => {};
      const enoughP = new Promise<void>((r) => (resolveEnough = r));
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'tcp') return;
        if (e.type === 'client.data') {
          io.out(show(e.data, typeof values.hex === 'string'), {
            type: 'data',
            bytes: e.bytes,
            text: decodeBytes(e.data, 'utf8'),
            hex: decodeBytes(e.data, 'hex'),
          });
          received += e.bytes;
          if (enough !== undefined && received >= enough) resolveEnough();
        } else if (e.type === 'client.state' && e.state === 'closed') {
          closed = true;
          resolveClosed();
        }
      });
      const info = await must(
        api.tcp.clientConnect({ host, port: numArg(portText), timeoutMs: optNum(values.timeout) }),
      );
      const session = info.session;
      io.out(`connected ${info.localAddress}:${info.localPort} -> ${info.remoteAddress}:${info.port}`, {
        type: 'connected',
        host,
        port: info.port,
      });
      if (payload) {
        const r = await must(api.tcp.clientSend({ session, ...payload }));
        io.out(`sent ${r.bytes} bytes`, { type: 'sent', bytes: r.bytes });
      }
      await waitAtMost(wait, closedP, enoughP, io.interrupted);
      // Read before our own close, whose state event would otherwise look like the peer's.
      const byPeer = closed;
      if (!byPeer) await must(api.tcp.clientClose({ session }));
      client.flush();
      io.out(byPeer ? 'closed by peer' : 'closed', { type: 'closed', byPeer });
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
