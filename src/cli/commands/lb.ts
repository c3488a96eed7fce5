// `wirelab lb …`: the load balancer headless — run one, start demo backends, export a configuration.
// Options map one to one onto the contract's LbConfigInput, so the CLI gets the UI's validation and codes.
import {
  LB_DEFAULTS,
  LbConfigInput,
  LbDemoStartInput,
  LbStrategy,
  parseBackendSpec,
  type LbConfig,
  type LbEvent,
  type LbSample,
} from '../../shared/contract/lb';
import { zodErrorToInfo } from '../../shared/contract/define';
import { LoadBalancer } from '../../main/engines/load-balancer/balancer';
import { DemoBackends } from '../../main/engines/load-balancer/demo-backends';
import { exportConfig } from '../../main/engines/load-balancer/export';
import { EngineError } from '../../main/engines/common/errors';
import { EXIT, UsageError, intArg, type Command } from '../framework';

const configOptions = {
  port: { type: 'string' },
  host: { type: 'string', default: LB_DEFAULTS.listenHost },
  strategy: { type: 'string', default: LB_DEFAULTS.strategy },
  check: { type: 'string' },
  interval: { type: 'string' },
  'check-timeout': { type: 'string' },
  rise: { type: 'string' },
  fall: { type: 'string' },
  'proxy-protocol': { type: 'string', default: 'off' },
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

function num(values: Values, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  return v === undefined ? undefined : intArg(v, `--${name}`, min, max);
}

/** Builds and validates a balancer configuration from CLI words; errors carry the contract's codes. */
export function configFromArgs(values: Values, backendWords: string[]): LbConfig {
  if (values.port === undefined) throw new UsageError('--port is required (0 picks a free port)');
  const port = intArg(values.port, '--port', 0, 65535);
  const strategy = LbStrategy.safeParse(values.strategy);
  if (!strategy.success) throw new UsageError(`--strategy must be one of ${LbStrategy.options.join(', ')}`);
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
  const interval = num(values, 'interval', 100, 3_600_000);
  const checkTimeout = num(values, 'check-timeout', 10, 600_000);
  const rise = num(values, 'rise', 1, 100);
  const fall = num(values, 'fall', 1, 100);
  Object.assign(health, { intervalMs: interval, timeoutMs: checkTimeout, rise, fall });
  const limits = {
    maxConn: num(values, 'max-conn', 1, 1_000_000),
    connectTimeoutMs: num(values, 'connect-timeout', 10, 600_000),
    idleTimeoutMs: num(values, 'idle-timeout', 100, 86_400_000),
    halfClosedTimeoutMs: num(values, 'half-closed-timeout', 100, 86_400_000),
    retries: num(values, 'retries', 0, 10),
  };
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const parsed = LbConfigInput.safeParse({
    host: values.host,
    port,
    strategy: strategy.data,
    backends,
    health: strip(health),
    limits: strip(limits),
    proxyProtocol: values['proxy-protocol'],
  });
  if (!parsed.success) {
    const e = zodErrorToInfo(parsed.error);
    throw new EngineError(e.code, e.message);
  }
  return parsed.data;
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
    const lb = new LoadBalancer('cli', config);
    let lastActive = -1;
    lb.on((e: LbEvent) => {
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
    const info = await lb.start();
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
    const closed = await lb.close();
    io.out(`stopped (${closed} connections closed)`, { type: 'stopped', closedConnections: closed });
    return EXIT.OK;
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
    'base-port': { type: 'string', default: '0' },
    host: { type: 'string', default: LB_DEFAULTS.demo.host },
    latency: { type: 'string', default: '0' },
    'failure-rate': { type: 'string', default: '0' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('lb demo-backends needs exactly one N');
    const count = intArg(positionals[0], 'N', 1, LB_DEFAULTS.demo.maxCount);
    const rate = Number(values['failure-rate']);
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new UsageError('--failure-rate must be 0..1');
    const opts = LbDemoStartInput.parse({
      count,
      host: values.host,
      basePort: intArg(values['base-port'], '--base-port', 0, 65535),
      latencyMs: intArg(values.latency, '--latency', 0, 60_000),
      failureRate: rate,
    });
    const demo = new DemoBackends('cli', opts);
    const info = await demo.start();
    for (const b of info.backends)
      io.out(`${b.name} on http://${b.host}:${b.port}/`, {
        type: 'backend',
        name: b.name,
        host: b.host,
        port: b.port,
      });
    io.out(`backends: ${info.backends.map((b) => `${b.host}:${b.port}`).join(' ')}`);
    await io.interrupted;
    await demo.close();
    return EXIT.OK;
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
    const r = exportConfig(configFromArgs(values, backends), format);
    if (io.json) io.out('', { type: 'export', format: r.format, text: r.text, warnings: r.warnings });
    else {
      process.stdout.write(r.text);
      for (const w of r.warnings) io.err(`note: ${w}`);
    }
    return EXIT.OK;
  },
};

export const lbCommands: Command[] = [lbRun, lbDemoBackends, lbExport];
