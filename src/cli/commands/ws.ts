// `wirelab ws connect|serve`: the WebSocket client and server headless, as websocat/wscat users script
// them. Every call goes through the dispatcher (src/cli/client.ts): the UI's schema, limits and codes.
import { WS_DEFAULTS, isSendableCloseCode, type WsMessage } from '../../shared/contract/ws';
import { encodePayloadText } from '../../shared/payload-text';
import { CallError, openClient } from '../client';
import { EXIT, UsageError, intArg, numArg, optNum, waitAtMost, type Command, type Io } from '../framework';
import { reportDropped } from './tcp';

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

function headers(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of values) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must be "Name: value", got "${h}"`);
    out[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return out;
}

function printMessage(m: WsMessage, io: Io, extra: Record<string, unknown> = {}): void {
  const arrow = m.dir === 'in' ? '<' : '>';
  const body = m.kind === 'text' ? (m.text ?? '') : `[${m.kind} ${m.bytes} B] ${m.hex ?? ''}`;
  io.out(`${arrow} ${body}${m.truncated ? ' …' : ''}`, {
    type: 'message',
    dir: m.dir,
    kind: m.kind,
    bytes: m.bytes,
    ...(m.text !== undefined ? { text: m.text } : { hex: m.hex }),
    truncated: m.truncated,
    ...extra,
  });
}

export const wsConnect: Command = {
  path: ['ws', 'connect'],
  summary: 'Open a WebSocket, send messages, print what comes back',
  usage: `wirelab ws connect URL [--send TEXT]… [--send-hex HEX]… [--protocol P]… [--header "N: V"]…
                   [--wait MS] [--timeout MS] [--close-code N] [--close-reason TEXT] [--json]

  URL              ws:// or wss:// (http:// and https:// are taken as ws:// and wss://)
  --send TEXT      a text message to send after connecting (repeat for several, sent in order)
  --send-hex HEX   a binary message as hex, e.g. "00 ff 10" (sent after the text ones)
  --protocol P     offer subprotocol P (repeatable); the chosen one is printed
  --header "N: V"  an extra handshake header (repeatable), e.g. "Authorization: Bearer x"
  --wait MS        keep reading this long after the last send (default 1000); 0 with no --send
                   reads until the server closes or Ctrl+C
  --timeout MS     handshake timeout (default ${WS_DEFAULTS.connectTimeoutMs})
  --max-message B  largest message accepted (default ${WS_DEFAULTS.maxMessageBytes}); a larger one closes with 1009
  --close-code N   close code to send (1000, or 3000–4999; default 1000)
  --close-reason T close reason (at most 123 bytes)
Prints "< text" per received message (binary as "[binary N B] hex"), "closed CODE reason" at the end.
Exits 0 when connected and sent, 1 on a network or handshake error, 2 on bad input.`,
  options: {
    send: { type: 'string', multiple: true },
    'send-hex': { type: 'string', multiple: true },
    protocol: { type: 'string', multiple: true },
    header: { type: 'string', multiple: true },
    wait: { type: 'string' },
    timeout: { type: 'string' },
    'max-message': { type: 'string' },
    'close-code': { type: 'string' },
    'close-reason': { type: 'string', default: '' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('ws connect needs exactly one URL');
    const sends = [
      ...list(values.send).map((data) => ({ data, kind: 'text' as const })),
      ...list(values['send-hex']).map((data) => ({ data, kind: 'hex' as const })),
    ];
    const wait =
      values.wait === undefined ? (sends.length ? 1000 : 0) : intArg(values.wait, '--wait', 0, 3_600_000);
    const closeCode = values['close-code'] === undefined ? 1000 : numArg(values['close-code']);
    if (!isSendableCloseCode(closeCode))
      throw new CallError(
        { code: 'WS_INVALID_CLOSE_CODE', message: `--close-code ${String(values['close-code'])}` },
        true,
      );
    const client = openClient(['ws']);
    try {
      const { api, must } = client;
      // Bad payloads fail before a connection is opened, with the codes ws.send would answer.
      for (const s of sends) {
        client.check('ws.send', { session: 'pending', ...s });
        if (s.kind === 'hex') {
          const r = encodePayloadText(s.data, 'hex');
          if (!r.ok) throw new CallError(r.error, true);
        }
      }
      let closedBy: { code: number; reason: string; by: string } | undefined;
      let resolveClosed = () => {};
      const closedP = new Promise<void>((r) => (resolveClosed = r));
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine !== 'ws') return;
        if (e.type === 'message' && e.message.dir === 'in') printMessage(e.message, io);
        else if (e.type === 'error') io.err(`${e.code}: ${e.message}`);
        else if (e.type === 'closed') {
          closedBy = { code: e.code, reason: e.reason, by: e.by };
          resolveClosed();
        }
      });
      const info = await must(
        api.ws.connect({
          url: positionals[0] ?? '',
          protocols: list(values.protocol),
          headers: headers(list(values.header)),
          timeoutMs: optNum(values.timeout),
          maxMessageBytes: optNum(values['max-message']),
        }),
      );
      const session = info.session;
      io.out(`connected ${info.url}${info.protocol ? ` (protocol ${info.protocol})` : ''}`, {
        type: 'connected',
        url: info.url,
        protocol: info.protocol,
      });
      for (const s of sends) {
        const r = await must(api.ws.send({ session, ...s }));
        io.out(`> sent ${r.bytes} bytes`, { type: 'sent', kind: s.kind, bytes: r.bytes });
      }
      if (wait > 0 || sends.length) await waitAtMost(wait, closedP, io.interrupted);
      else await Promise.race([closedP, io.interrupted]);
      if (!closedBy) {
        await must(api.ws.close({ session, code: closeCode, reason: String(values['close-reason'] ?? '') }));
        await waitAtMost(100, closedP);
      }
      client.flush();
      const c = closedBy ?? { code: closeCode, reason: '', by: 'local' };
      io.out(`closed ${c.code}${c.reason ? ` ${c.reason}` : ''}${c.by === 'remote' ? ' (by server)' : ''}`, {
        type: 'closed',
        ...c,
      });
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const wsServe: Command = {
  path: ['ws', 'serve'],
  summary: 'Run a WebSocket echo or broadcast server',
  usage: `wirelab ws serve --port N [--host H] [--echo | --broadcast] [--max-clients N] [--max-message B] [--json]

  --port N         port to listen on (0 picks a free one and prints it)
  --host H         address to bind (default ${WS_DEFAULTS.serverHost})
  --echo           answer every message to its sender, same type (the default)
  --broadcast      send every message to all connected clients, the sender included
  --max-clients N  connections at once (default ${WS_DEFAULTS.maxClients}); more are answered 503
  --max-message B  largest message accepted (default ${WS_DEFAULTS.maxMessageBytes}); a larger one closes with 1009
Prints the clients count as it changes. Runs until Ctrl+C.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    echo: { type: 'boolean', default: false },
    broadcast: { type: 'boolean', default: false },
    'max-clients': { type: 'string' },
    'max-message': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError('ws serve takes no positional arguments (use --port N)');
    if (values.port === undefined) throw new UsageError('ws serve needs --port N');
    if (values.echo === true && values.broadcast === true)
      throw new UsageError('choose one of --echo and --broadcast');
    const client = openClient(['ws']);
    try {
      const { api, must } = client;
      client.onEvent((e) => {
        reportDropped(e, io);
        if (e.engine === 'ws' && e.type === 'server.clients')
          io.out(`clients ${e.clients} (messages ${e.messages})`, {
            type: 'clients',
            clients: e.clients,
            messages: e.messages,
          });
      });
      const info = await must(
        api.ws.serverStart({
          host: typeof values.host === 'string' ? values.host : undefined,
          port: numArg(values.port),
          mode: values.broadcast === true ? 'broadcast' : 'echo',
          maxClients: optNum(values['max-clients']),
          maxMessageBytes: optNum(values['max-message']),
        }),
      );
      io.out(`listening on ws://${info.host}:${info.port}/ (${info.mode})`, {
        type: 'listening',
        host: info.host,
        port: info.port,
        mode: info.mode,
      });
      await io.interrupted;
      await must(api.ws.serverStop({ session: info.session }));
      client.flush();
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
