// `wirelab tcp listen|send`: the TCP workbench headless, as Packet Sender users script it.
import { decodeBytes } from '../../shared/encoding';
import { TCP_DEFAULTS } from '../../shared/contract/tcp';
import { TcpServer } from '../../main/engines/tcp/server';
import { TcpClient } from '../../main/engines/tcp/client';
import { decodePayload } from '../../main/engines/tcp/workbench';
import { EXIT, UsageError, intArg, type Command } from '../framework';

function show(data: Uint8Array, hex: boolean): string {
  return hex ? decodeBytes(data, 'hex') : decodeBytes(data, 'utf8');
}

export const tcpListen: Command = {
  path: ['tcp', 'listen'],
  summary: 'Run a TCP server and print what clients send',
  usage: `wirelab tcp listen PORT [--host H] [--welcome TEXT] [--echo] [--hex] [--json]

  PORT            port to listen on (0 picks a free one and prints it)
  --host H        address to bind (default ${TCP_DEFAULTS.serverHost}; 0.0.0.0 for every interface)
  --welcome TEXT  sent to each client on connect (e.g. "Welcome to the server!")
  --echo          send every received chunk back to its sender
  --hex           print received data as hex instead of UTF-8 text
Runs until Ctrl+C.`,
  options: {
    host: { type: 'string', default: TCP_DEFAULTS.serverHost },
    welcome: { type: 'string' },
    echo: { type: 'boolean', default: false },
    hex: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('tcp listen needs exactly one PORT');
    const port = intArg(positionals[0], 'PORT', 0, 65535);
    const server = new TcpServer('cli', {
      host: String(values.host),
      port,
      echo: values.echo === true,
      welcome: typeof values.welcome === 'string' ? new TextEncoder().encode(values.welcome) : undefined,
    });
    server.on((e) => {
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
          io.out(`- ${e.clientId} (${e.reason})`, { type: 'closed', clientId: e.clientId, reason: e.reason });
          break;
        case 'server.error':
          io.err(`server error ${e.code}: ${e.message}`);
          break;
        default:
          break;
      }
    });
    const info = await server.start();
    io.out(`listening on ${info.host}:${info.port}`, { type: 'listening', host: info.host, port: info.port });
    await io.interrupted;
    await server.close();
    return EXIT.OK;
  },
};

export const tcpSend: Command = {
  path: ['tcp', 'send'],
  summary: 'Connect, send text or hex, print what comes back',
  usage: `wirelab tcp send HOST PORT [TEXT | --hex HEX] [--wait MS] [--timeout MS] [--json]

  TEXT            UTF-8 text to send (omit to only read, e.g. a welcome message)
  --hex HEX       bytes to send as hex, e.g. "48 65 6c 6c 6f"
  --wait MS       how long to keep reading after sending (default 1000)
  --timeout MS    connect timeout (default ${TCP_DEFAULTS.connectTimeoutMs})
Prints each received chunk; exits 0 when connected and sent, 1 on a network error.`,
  options: {
    hex: { type: 'string' },
    wait: { type: 'string', default: '1000' },
    timeout: { type: 'string', default: String(TCP_DEFAULTS.connectTimeoutMs) },
  },
  async run({ values, positionals }, io) {
    if (positionals.length < 2 || positionals.length > 3)
      throw new UsageError('tcp send needs HOST PORT [TEXT]');
    if (positionals.length === 3 && typeof values.hex === 'string')
      throw new UsageError('give TEXT or --hex, not both');
    const [host, portText, text] = positionals as [string, string, string | undefined];
    const port = intArg(portText, 'PORT', 1, 65535);
    const wait = intArg(values.wait, '--wait', 0, 3_600_000);
    const timeout = intArg(values.timeout, '--timeout', 1, 600_000);
    const payload =
      typeof values.hex === 'string'
        ? decodePayload(values.hex, 'hex')
        : text !== undefined
          ? decodePayload(text, 'text')
          : undefined;
    const client = new TcpClient('cli', { host, port, connectTimeoutMs: timeout });
    let closed = false;
    let resolveClosed = () => {};
    const closedP = new Promise<void>((r) => (resolveClosed = r));
    client.on((e) => {
      if (e.type === 'client.data') {
        io.out(show(e.data, typeof values.hex === 'string'), {
          type: 'data',
          bytes: e.bytes,
          text: decodeBytes(e.data, 'utf8'),
          hex: decodeBytes(e.data, 'hex'),
        });
      } else if (e.type === 'client.state' && e.state === 'closed') {
        closed = true;
        resolveClosed();
      }
    });
    const info = await client.start();
    io.out(`connected ${info.localAddress}:${info.localPort} -> ${info.remoteAddress}:${port}`, {
      type: 'connected',
      host,
      port,
    });
    if (payload) {
      client.send(payload);
      io.out(`sent ${payload.length} bytes`, { type: 'sent', bytes: payload.length });
    }
    await Promise.race([new Promise((r) => setTimeout(r, wait)), closedP, io.interrupted]);
    if (!closed) await client.close();
    io.out(closed ? 'closed by peer' : 'closed', { type: 'closed', byPeer: closed });
    return EXIT.OK;
  },
};
