// One path: the same bad input given to the `wirelab` command and to the app's dispatcher (the one the
// UI calls, from createServices) fails with the same error code; the command exits 2 for each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PAYLOAD_CHARS } from '../../../src/shared/contract/common';
import { createServices, type Services } from '../../../src/main/services';
import { cli, jsonLines } from '../../helpers/cli';

let services: Services;
let dir: string;
/** A connected TCP client session and a bound UDP socket in the app, for the send calls. */
let tcpSession = '';
let udpSession = '';

async function call(channel: string, input: unknown): Promise<unknown> {
  const r = await services.dispatcher.call(channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wirelab-parity-'));
  services = createServices({
    dataDir: join(dir, 'app'),
    shell: 'browser',
    version: 'test',
    chatDiscovery: false,
  });
  const server = (await call('tcp.serverStart', { port: 0 })) as { port: number };
  tcpSession = (
    (await call('tcp.clientConnect', { host: '127.0.0.1', port: server.port })) as { session: string }
  ).session;
  udpSession = ((await call('udp.bind', { host: '127.0.0.1', port: 0 })) as { session: string }).session;
});

afterAll(async () => {
  await services?.close();
  rmSync(dir, { recursive: true, force: true });
});

const big = 'A'.repeat(MAX_PAYLOAD_CHARS + 1);

interface Case {
  name: string;
  argv: string[];
  stdin?: string;
  channel: string;
  input: () => unknown;
  code: string;
}

const cases: Case[] = [
  {
    name: 'tcp send: port out of range',
    argv: ['tcp', 'send', '127.0.0.1', '70000', 'x'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: '127.0.0.1', port: 70000 }),
    code: 'PORT_OUT_OF_RANGE',
  },
  {
    name: 'tcp send: port 0 is not a destination',
    argv: ['tcp', 'send', '127.0.0.1', '0'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: '127.0.0.1', port: 0 }),
    code: 'PORT_OUT_OF_RANGE',
  },
  {
    name: 'tcp send: port is not a number',
    argv: ['tcp', 'send', '127.0.0.1', 'http'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: '127.0.0.1', port: 'http' }),
    code: 'PORT_OUT_OF_RANGE',
  },
  {
    name: 'tcp send: empty host',
    argv: ['tcp', 'send', ' ', '80'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: ' ', port: 80 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'tcp send: host name too long',
    argv: ['tcp', 'send', 'a'.repeat(300), '80'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: 'a'.repeat(300), port: 80 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'tcp send: connect timeout out of range',
    argv: ['tcp', 'send', '127.0.0.1', '80', '--timeout', '0'],
    channel: 'tcp.clientConnect',
    input: () => ({ host: '127.0.0.1', port: 80, timeoutMs: 0 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'tcp send: payload over the cap (stdin)',
    argv: ['tcp', 'send', '127.0.0.1', '1', '-'],
    stdin: big,
    channel: 'tcp.clientSend',
    input: () => ({ session: tcpSession, data: big }),
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: 'tcp send: bad hex',
    argv: ['tcp', 'send', '127.0.0.1', '1', '--hex', '4g'],
    channel: 'tcp.clientSend',
    input: () => ({ session: tcpSession, data: '4g', encoding: 'hex' }),
    code: 'INVALID_HEX',
  },
  {
    name: 'tcp listen: port out of range',
    argv: ['tcp', 'listen', '65536'],
    channel: 'tcp.serverStart',
    input: () => ({ port: 65536 }),
    code: 'PORT_OUT_OF_RANGE',
  },
  {
    name: 'tcp listen: max clients out of range',
    argv: ['tcp', 'listen', '0', '--max-clients', '0'],
    channel: 'tcp.serverStart',
    input: () => ({ port: 0, maxClients: 0 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'udp send: bad escape',
    argv: ['udp', 'send', '127.0.0.1', '9', 'bad\\q', '--wait', '0'],
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '127.0.0.1', port: 9, data: 'bad\\q', encoding: 'escaped' }),
    code: 'INVALID_ESCAPE',
  },
  {
    name: 'udp send: bad hex',
    argv: ['udp', 'send', '127.0.0.1', '9', '--hex', 'abc', '--wait', '0'],
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '127.0.0.1', port: 9, data: 'abc', encoding: 'hex' }),
    code: 'INVALID_HEX',
  },
  {
    name: 'udp send: port out of range',
    argv: ['udp', 'send', '127.0.0.1', '65536', 'x'],
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '127.0.0.1', port: 65536, data: 'x' }),
    code: 'PORT_OUT_OF_RANGE',
  },
  {
    name: 'udp send: empty host',
    argv: ['udp', 'send', '', '9', 'x', '--wait', '0'],
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '', port: 9, data: 'x' }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'udp send: payload over the cap (stdin)',
    argv: ['udp', 'send', '127.0.0.1', '9', '-', '--wait', '0'],
    stdin: big,
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '127.0.0.1', port: 9, data: big }),
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: 'udp send: datagram over 65,507 bytes',
    argv: ['udp', 'send', '127.0.0.1', '9', 'A'.repeat(65_508), '--wait', '0'],
    channel: 'udp.send',
    input: () => ({ session: udpSession, host: '127.0.0.1', port: 9, data: 'A'.repeat(65_508) }),
    code: 'DATAGRAM_TOO_LARGE',
  },
  {
    name: 'udp send: multicast TTL out of range',
    argv: ['udp', 'send', '127.0.0.1', '9', 'x', '--ttl', '256', '--wait', '0'],
    channel: 'udp.bind',
    input: () => ({ host: '0.0.0.0', port: 0, multicastTtl: 256 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'udp listen: not a multicast group',
    argv: ['udp', 'listen', '0', '--join', '10.0.0.1'],
    channel: 'udp.join',
    input: () => ({ session: udpSession, group: '10.0.0.1' }),
    code: 'INVALID_MULTICAST_GROUP',
  },
  {
    name: 'lb: unknown strategy',
    argv: ['lb', 'export', 'haproxy', '--port', '0', '--strategy', 'fastest', '127.0.0.1:80'],
    channel: 'lb.exportConfig',
    input: () => ({
      format: 'haproxy',
      config: { port: 0, strategy: 'fastest', backends: [{ host: '127.0.0.1', port: 80 }] },
    }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'lb: retries out of range',
    argv: ['lb', 'export', 'nginx', '--port', '0', '--retries', '11', '127.0.0.1:80'],
    channel: 'lb.exportConfig',
    input: () => ({
      format: 'nginx',
      config: { port: 0, backends: [{ host: '127.0.0.1', port: 80 }], limits: { retries: 11 } },
    }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'lb demo-backends: too many',
    argv: ['lb', 'demo-backends', '99'],
    channel: 'lb.demoStart',
    input: () => ({ count: 99 }),
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: 'lab: loss over 50 %',
    argv: ['lab', 'tcp-vs-udp', '--loss', '90'],
    channel: 'lab.run',
    input: () => ({ lossPct: 90 }),
    code: 'INVALID_INPUT',
  },
  {
    name: 'chat host: port out of range',
    argv: ['chat', 'host', '--port', '70000', '--no-discovery', '--data-dir', '<dir>'],
    channel: 'chat.hostStart',
    input: () => ({ port: 70000 }),
    code: 'PORT_OUT_OF_RANGE',
  },
];

describe('the same bad input through the CLI and the dispatcher', () => {
  it.each(cases)('$name → $code', async (c) => {
    const direct = await services.dispatcher.call(c.channel, c.input());
    expect(direct.ok ? 'OK' : direct.error.code).toBe(c.code);
    const argv = [...c.argv.map((w) => (w === '<dir>' ? join(dir, 'cli') : w)), '--json'];
    const r = await cli(argv, c.stdin === undefined ? {} : { input: c.stdin });
    const error = jsonLines(r.out).find((l) => l.type === 'error');
    expect({ exit: r.code, code: error?.code }).toEqual({ exit: 2, code: c.code });
  });
});
