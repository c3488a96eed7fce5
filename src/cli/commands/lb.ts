// `wirelab lb …`: the load balancer headless — run one, start demo backends, export a configuration.
// Options map one to one onto the contract's LbConfigInput and every call goes through the dispatcher
// (src/cli/client.ts), so the CLI gets the UI's validation, defaults and codes.
import {
  LB_DEFAULTS,
  type LbStrategy,
  parseBackendSpec,
  type LbConfigInput,
  type LbSample,
} from '../../shared/contract/lb';
import type { z } from 'zod';
import { EngineError } from '../../main/engines/common/errors';
import { openClient } from '../client';
import { EXIT, UsageError, numArg, optNum, type Command } from '../framework';
import { reportDropped } from './tcp';

const configOptions = {
  port: { type: 'string' },
  host: { type: 'string' },
  strategy: { type: 'string' },
  check: { type: 'string' },
  interval: { type: 'string' },
  'check-timeout': { type: 'string' },
  rise: { type: 'string' },
  fall: { type: 'string' },
  'proxy-protocol': { type: 'string' },
  'max-conn': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'half-closed-timeout': { type: 'string' },
  retries: { type: 'string' },
} as const;

const configUsage = `  BACKEND             HOST:PORT[@WEIGHT], IPv6 as [ADDR]:PORT (e.g. 127.0.0.1:9001@2)
  --port N            port to listen on (0 picks a free one)
  --host H            address to bind (default ${LB_DEFAULTS.listenHost})
  --strategy S        rr | wrr | leastconn | p2c | hash (default ${LB_DEFAULTS.strategy})
  --check C           tcp | http:PATH (e.g. http:/health); default: no health checks
  --interval MS       time between checks (default ${LB_DEFAULTS.health.intervalMs})
  --check-timeout MS  check timeout (default ${LB_DEFAULTS.health.timeoutMs})
  --rise N / --fall N successes to come up / failures to go down (default ${LB_DEFAULTS.health.rise} / ${LB_DEFAULTS.health.fall})
  --proxy-protocol V  off | v1 | v2 (default off)
  --max-conn N        connections at once (default ${LB_DEFAULTS.maxConn})
  --connect-timeout MS, --idle-timeout MS, --retries N  (defaults ${LB_DEFAULTS.connectTimeoutMs}, ${LB_DEFAULTS.idleTimeoutMs}, ${LB_DEFAULTS.retries})
  --half-closed-timeout MS  after a FIN, silence this long closes the connection (default ${LB_DEFAULTS.halfClosedTimeoutMs})`;

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/**
 * Builds the contract's balancer configuration from CLI words. Only the words are parsed here (numbers,
 * HOST:PORT@WEIGHT, --check); ranges, defaults and codes are the schema's, checked by the dispatcher.
 */
export function configFromArgs(values: Values, backendWords: string[]): z.input<typeof LbConfigInput> {
  if (values.port === undefined) throw new UsageError('--port is required (0 picks a free port)');
  const backends = backendWords.map((w) => {
    const r = parseBackendSpec(w);
    if (!r.ok) throw new EngineError(r.code, r.message);
    return r.value;
  });
  const check = typeof values.check === 'string' ? values.check : undefined;
  let health: Record<string, unknown> = { type: 'none' };
  if (check === 'tcp') health = { type: 'tcp' };
  else if (check?.startsWith('http:')) health = { type: 'http', path: check.slice(5) || '/' };
  else if (check === 'http') health = { type: 'http' };
  else if (check !== undefined) throw new UsageError('--check must be tcp or http:PATH');
  Object.assign(health, {
    intervalMs: optNum(values.interval),
    timeoutMs: optNum(values['check-timeout']),
    rise: optNum(values.rise),
    fall: optNum(values.fall),
  });
  const limits = {
    maxConn: optNum(values['max-conn']),
    connectTimeoutMs: optNum(values['connect-timeout']),
    idleTimeoutMs: optNum(values['idle-timeout']),
    halfClosedTimeoutMs: optNum(values['half-closed-timeout']),
    retries: optNum(values.retries),
  };
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    host: typeof values.host === 'string' ? values.host : undefined,
    port: numArg(values.port),
    strategy: values.strategy as z.input<typeof LbStrategy> | undefined,
    backends,
    health: strip(health) as z.input<typeof LbConfigInput>['health'],
    limits: strip(limits),
    proxyProtocol: values['proxy-protocol'] as z.input<typeof LbConfigInput>['proxyProtocol'],
  };
}

function human(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

function sampleLine(s: LbSample): string {
  const per = s.backends.map((b) => `${b.id}:${b.state}/${b.active}`).join(' ');
  return `${s.connsPerSec.toFixed(0)} conn/s  active ${s.active}  queued ${s.queued}  in ${human(s.bytesInPerSec)}/s  out ${human(s.bytesOutPerSec)}/s  [${per}]`;
}

export const lbRun: Command = {
  path: ['lb'],
  summary: 'Run an L4 (TCP) load balancer in front of BACKENDs',
  usage: `wirelab lb --port N BACKEND… [--strategy rr|wrr|leastconn|p2c|hash] [--check tcp|http:PATH] [--json]

${configUsage}
Prints backend state changes, retries and rejections as they happen, and a statistics line every second
(one JSON object per second with --json). Runs until Ctrl+C.
See also: wirelab lb demo-backends, wirelab lb export.`,
  options: configOptions,
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('give at least one BACKEND (HOST:PORT)');
    const config = configFromArgs(values, positionals);
    const client = openClient(['lb']);
    const { api, must } = client;
    let lastActive = -1;
    client.onEvent((e) => {
      reportDropped(e, io);
      if (e.engine !== 'lb') return;
      switch (e.type) {
        case 'stats':
          if (io.json) io.out('', { type: 'stats', ...e.sample });
          else if (e.sample.connsPerSec > 0 || e.sample.active !== lastActive) io.out(sampleLine(e.sample));
          lastActive = e.sample.active;
          break;
        case 'backend.state':
          io.out(`backend ${e.name} is ${e.health.toUpperCase()} (${e.check.detail})`, {
            type: 'backend.state',
            backend: e.name,
            health: e.health,
            check: e.check,
          });
          break;
        case 'retry':
          io.out(`retry: ${e.name} failed (${e.code}) ×${e.count}, client redispatched`, {
            type: 'retry',
            backend: e.name,
            code: e.code,
            count: e.count,
          });
          break;
        case 'rejected':
          io.out(`rejected ${e.count} client(s): ${e.reason} (${e.code})`, {
            type: 'rejected',
            reason: e.reason,
            code: e.code,
            count: e.count,
          });
          break;
        case 'error':
          io.err(`error ${e.code}: ${e.message}`);
          break;
        default:
          break;
      }
    });
    try {
      const info = await must(api.lb.start(config));
      io.out(
        `balancing ${info.host}:${info.port} → ${info.backends.map((b) => `${b.name}@${b.weight}`).join(', ')} (${info.strategy}, checks ${info.health.type})`,
        {
          type: 'listening',
          host: info.host,
          port: info.port,
          strategy: info.strategy,
          backends: info.backends.map((b) => ({ id: b.id, host: b.host, port: b.port, weight: b.weight })),
        },
      );
      await io.interrupted;
      const { closedConnections } = await must(api.lb.stop({ session: info.session }));
      client.flush();
      io.out(`stopped (${closedConnections} connections closed)`, { type: 'stopped', closedConnections });
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const lbDemoBackends: Command = {
  path: ['lb', 'demo-backends'],
  summary: 'Start N local HTTP backends that answer with their name',
  usage: `wirelab lb demo-backends N [--base-port P] [--host H] [--latency MS] [--failure-rate F] [--json]

  N                  how many (1..${LB_DEFAULTS.demo.maxCount})
  --base-port P      backend i listens on P+i (default 0: free ports, printed)
  --host H           address to bind (default ${LB_DEFAULTS.demo.host})
  --latency MS       added before each answer (default 0)
  --failure-rate F   share of requests answered 503, 0..1 (default 0)
Each answers every request with its name in the X-Backend header and the body. Runs until Ctrl+C.`,
  options: {
    'base-port': { type: 'string' },
    host: { type: 'string' },
    latency: { type: 'string' },
    'failure-rate': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('lb demo-backends needs exactly one N');
    const client = openClient(['lb']);
    const { api, must } = client;
    try {
      const info = await must(
        api.lb.demoStart({
          count: numArg(positionals[0]),
          host: typeof values.host === 'string' ? values.host : undefined,
          basePort: optNum(values['base-port']),
          latencyMs: optNum(values.latency),
          failureRate: optNum(values['failure-rate']),
        }),
      );
      for (const b of info.backends)
        io.out(`${b.name} on http://${b.host}:${b.port}/`, {
          type: 'backend',
          name: b.name,
          host: b.host,
          port: b.port,
        });
      io.out(`backends: ${info.backends.map((b) => `${b.host}:${b.port}`).join(' ')}`);
      await io.interrupted;
      await must(api.lb.demoStop({ session: info.session }));
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const lbExport: Command = {
  path: ['lb', 'export'],
  summary: 'Print a balancer setup as an HAProxy (mode tcp) or nginx (stream) configuration',
  usage: `wirelab lb export haproxy|nginx --port N BACKEND… [options of wirelab lb]

${configUsage}
Writes the configuration to standard output ({format, text, warnings} with --json); settings the target
cannot express are listed as warnings on standard error and as comments in the file.`,
  options: configOptions,
  async run({ values, positionals }, io) {
    const [format, ...backends] = positionals;
    if (format !== 'haproxy' && format !== 'nginx')
      throw new UsageError('lb export needs haproxy or nginx first');
    const client = openClient(['lb']);
    try {
      const r = await client.must(
        client.api.lb.exportConfig({ format, config: configFromArgs(values, backends) }),
      );
      if (io.json) io.out('', { type: 'export', format: r.format, text: r.text, warnings: r.warnings });
      else {
        io.stdout.write(r.text);
        for (const w of r.warnings) io.err(`note: ${w}`);
      }
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

export const lbCommands: Command[] = [lbRun, lbDemoBackends, lbExport];
