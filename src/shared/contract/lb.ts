// Load balancer contract (engine name `lb`): an L4 TCP proxy with live backends, strategies, health
// checks, limits and per-second statistics, plus demo HTTP backends and HAProxy/nginx exports.
// Pure data: shared by the engine, the CLI, the UI and the docs (docs/load-balancer.md).
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, port, sessionId } from './common';
import { LB_DEFAULTS } from './lb-defaults';

export { LB_DEFAULTS };

export const LbStrategy = z.enum(['rr', 'wrr', 'leastconn', 'p2c', 'hash']);
export type LbStrategy = z.infer<typeof LbStrategy>;

export const LB_STRATEGY_LABELS: Record<LbStrategy, string> = {
  rr: 'Round robin',
  wrr: 'Smooth weighted round robin',
  leastconn: 'Least connections',
  p2c: 'Random, power of two choices',
  hash: 'Source-address hash (consistent)',
};

export const LbProxyProtocol = z.enum(['off', 'v1', 'v2']);
export type LbProxyProtocol = z.infer<typeof LbProxyProtocol>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

/** True for an IPv4 or IPv6 literal (no brackets) or a DNS name. Pure: no resolver involved. */
export function isValidBackendHost(h: string): boolean {
  if (IPV4.test(h)) return true;
  if (h.includes(':')) return isIpv6Literal(h);
  // A name made only of digits and dots is a mistyped IPv4 address, not a host name.
  if (/^[\d.]+$/.test(h)) return false;
  return HOSTNAME.test(h);
}

function isIpv6Literal(h: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(h) || h.length > 45) return false;
  const dbl = h.split('::');
  if (dbl.length > 2) return false;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const parts = [...groups(dbl[0] ?? ''), ...(dbl.length === 2 ? groups(dbl[1] ?? '') : [])];
  let count = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === parts.length - 1 && p.includes('.')) {
      if (!IPV4.test(p)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) count += 1;
    else return false;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

export const lbBackendHost = () =>
  z
    .string()
    .trim()
    .min(1, coded('LB_INVALID_BACKEND', 'backend host is required'))
    .refine(
      isValidBackendHost,
      coded('LB_INVALID_BACKEND', 'backend host must be an IP address or a host name'),
    );

export const lbWeight = () =>
  z
    .number(coded('LB_WEIGHT_OUT_OF_RANGE', 'weight must be a number'))
    .int(coded('LB_WEIGHT_OUT_OF_RANGE', 'weight must be a whole number'))
    .min(
      LB_DEFAULTS.minWeight,
      coded('LB_WEIGHT_OUT_OF_RANGE', `weight must be ${LB_DEFAULTS.minWeight}..${LB_DEFAULTS.maxWeight}`),
    )
    .max(
      LB_DEFAULTS.maxWeight,
      coded('LB_WEIGHT_OUT_OF_RANGE', `weight must be ${LB_DEFAULTS.minWeight}..${LB_DEFAULTS.maxWeight}`),
    );

const lbBackendMaxConn = () => z.number().int().min(0).max(1_000_000);

export const LbBackendInput = z
  .object({
    name: z.string().trim().min(1).max(64).optional(),
    host: lbBackendHost(),
    port: destPort(),
    weight: lbWeight().default(LB_DEFAULTS.weight),
    enabled: z.boolean().default(true),
    drain: z.boolean().default(false),
    maxConn: lbBackendMaxConn().default(LB_DEFAULTS.backendMaxConn),
  })
  .strict();
export type LbBackendInput = z.input<typeof LbBackendInput>;
export type LbBackendConfig = z.output<typeof LbBackendInput>;

export const LbHealthInput = z
  .object({
    type: z.enum(['none', 'tcp', 'http']).default(LB_DEFAULTS.health.type),
    path: z
      .string()
      .max(2048)
      .regex(/^\/[^\s]*$/, coded('INVALID_INPUT', 'path must start with / and contain no spaces'))
      .default(LB_DEFAULTS.health.path),
    statusMin: z.number().int().min(100).max(599).default(LB_DEFAULTS.health.statusMin),
    statusMax: z.number().int().min(100).max(599).default(LB_DEFAULTS.health.statusMax),
    intervalMs: z.number().int().min(100).max(3_600_000).default(LB_DEFAULTS.health.intervalMs),
    timeoutMs: z.number().int().min(10).max(600_000).default(LB_DEFAULTS.health.timeoutMs),
    rise: z.number().int().min(1).max(100).default(LB_DEFAULTS.health.rise),
    fall: z.number().int().min(1).max(100).default(LB_DEFAULTS.health.fall),
  })
  .strict()
  .refine((h) => h.statusMin <= h.statusMax, coded('INVALID_INPUT', 'statusMin must not exceed statusMax'));
export type LbHealthConfig = z.output<typeof LbHealthInput>;

export const LbLimitsInput = z
  .object({
    maxConn: z.number().int().min(1).max(1_000_000).default(LB_DEFAULTS.maxConn),
    connectTimeoutMs: z.number().int().min(10).max(600_000).default(LB_DEFAULTS.connectTimeoutMs),
    idleTimeoutMs: z.number().int().min(100).max(86_400_000).default(LB_DEFAULTS.idleTimeoutMs),
    halfClosedTimeoutMs: z.number().int().min(100).max(86_400_000).default(LB_DEFAULTS.halfClosedTimeoutMs),
    queueSize: z.number().int().min(0).max(100_000).default(LB_DEFAULTS.queueSize),
    queueTimeoutMs: z.number().int().min(10).max(600_000).default(LB_DEFAULTS.queueTimeoutMs),
    retries: z.number().int().min(0).max(10).default(LB_DEFAULTS.retries),
  })
  .strict();
export type LbLimits = z.output<typeof LbLimitsInput>;

/** Everything that describes a balancer; also what the exports are made from. */
export const LbConfigInput = z
  .object({
    host: host().default(LB_DEFAULTS.listenHost),
    port: port(),
    backends: z
      .array(LbBackendInput)
      .max(LB_DEFAULTS.maxBackends, coded('LIMIT_EXCEEDED', `at most ${LB_DEFAULTS.maxBackends} backends`))
      .default([]),
    strategy: LbStrategy.default(LB_DEFAULTS.strategy),
    health: LbHealthInput.default(() => LbHealthInput.parse({})),
    limits: LbLimitsInput.default(() => LbLimitsInput.parse({})),
    proxyProtocol: LbProxyProtocol.default(LB_DEFAULTS.proxyProtocol),
  })
  .strict();
export type LbConfigInput = z.input<typeof LbConfigInput>;
export type LbConfig = z.output<typeof LbConfigInput>;

/** up/down come from health checks (always up without them); drain and disabled are set by the user. */
export const LbBackendState = z.enum(['up', 'down', 'drain', 'disabled']);
export type LbBackendState = z.infer<typeof LbBackendState>;

export const LbCheckResult = z.object({
  ok: z.boolean(),
  at: z.number(),
  durationMs: z.number(),
  /** "HTTP 200", "connected", or the error code of a failed check. */
  detail: z.string(),
});
export type LbCheckResult = z.infer<typeof LbCheckResult>;

export const LbBackendInfo = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  weight: z.number(),
  enabled: z.boolean(),
  drain: z.boolean(),
  maxConn: z.number(),
  health: z.enum(['up', 'down']),
  state: LbBackendState,
  active: z.number(),
  total: z.number(),
  /** Bytes client → backend and backend → client. */
  bytesIn: z.number(),
  bytesOut: z.number(),
  errors: z.number(),
  connectP50Ms: z.number().nullable(),
  connectP99Ms: z.number().nullable(),
  lastCheck: LbCheckResult.nullable(),
});
export type LbBackendInfo = z.infer<typeof LbBackendInfo>;

export const LbInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  state: z.enum(['running', 'stopped']),
  startedAt: z.number(),
  strategy: LbStrategy,
  health: z.custom<LbHealthConfig>(),
  limits: z.custom<LbLimits>(),
  proxyProtocol: LbProxyProtocol,
  backends: z.array(LbBackendInfo),
  active: z.number(),
  queued: z.number(),
  total: z.number(),
  rejected: z.number(),
});
export type LbInfo = z.infer<typeof LbInfo>;

/** One per-second sample of one backend (rates are per second). */
export interface LbBackendSample {
  id: string;
  state: LbBackendState;
  active: number;
  connsPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  errors: number;
}

/** One per-second sample of the whole balancer. */
export interface LbSample {
  at: number;
  active: number;
  queued: number;
  connsPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  /** Bytes waiting in the proxy's socket write buffers right now (backpressure keeps it bounded). */
  bufferedBytes: number;
  backends: LbBackendSample[];
}

export const LbStats = z.object({
  session: z.string(),
  info: LbInfo,
  /** Oldest first, at most LB_DEFAULTS.historySamples. */
  history: z.array(z.custom<LbSample>()),
});
export type LbStats = z.infer<typeof LbStats>;

export const LbBackendPatch = z
  .object({
    session: sessionId(),
    backendId: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(64).optional(),
    weight: lbWeight().optional(),
    enabled: z.boolean().optional(),
    drain: z.boolean().optional(),
    maxConn: lbBackendMaxConn().optional(),
  })
  .strict();

export const LbExportFormat = z.enum(['haproxy', 'nginx']);
export type LbExportFormat = z.infer<typeof LbExportFormat>;

export const LbDemoStartInput = z
  .object({
    count: z
      .number()
      .int()
      .min(1)
      .max(
        LB_DEFAULTS.demo.maxCount,
        coded('LIMIT_EXCEEDED', `at most ${LB_DEFAULTS.demo.maxCount} demo backends`),
      )
      .default(LB_DEFAULTS.demo.count),
    host: host().default(LB_DEFAULTS.demo.host),
    /** First port; backend i listens on basePort + i. 0 = any free ports. */
    basePort: port().default(0),
    latencyMs: z.number().int().min(0).max(60_000).default(LB_DEFAULTS.demo.latencyMs),
    failureRate: z.number().min(0).max(1).default(LB_DEFAULTS.demo.failureRate),
  })
  .strict();

export const LbDemoBackendInfo = z.object({
  index: z.number(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  running: z.boolean(),
  requests: z.number(),
  latencyMs: z.number(),
  failureRate: z.number(),
});
export type LbDemoBackendInfo = z.infer<typeof LbDemoBackendInfo>;

export const LbDemoInfo = z.object({
  session: z.string(),
  backends: z.array(LbDemoBackendInfo),
});
export type LbDemoInfo = z.infer<typeof LbDemoInfo>;

const LB_SESSION = { session: sessionId() };

export const lbContract = {
  start: method(LbConfigInput, LbInfo),
  stop: method(z.object(LB_SESSION).strict(), z.object({ closedConnections: z.number() })),
  info: method(z.object(LB_SESSION).strict(), LbInfo),
  list: method(empty(), z.object({ balancers: z.array(LbInfo), demos: z.array(LbDemoInfo) })),
  stats: method(z.object(LB_SESSION).strict(), LbStats),
  addBackend: method(z.object({ ...LB_SESSION, backend: LbBackendInput }).strict(), LbBackendInfo),
  removeBackend: method(
    z.object({ ...LB_SESSION, backendId: z.string().min(1).max(64) }).strict(),
    z.object({ activeLeft: z.number() }),
  ),
  updateBackend: method(LbBackendPatch, LbBackendInfo),
  setStrategy: method(z.object({ ...LB_SESSION, strategy: LbStrategy }).strict(), LbInfo),
  setHealthCheck: method(z.object({ ...LB_SESSION, health: LbHealthInput }).strict(), LbInfo),
  setLimits: method(z.object({ ...LB_SESSION, limits: LbLimitsInput }).strict(), LbInfo),
  setProxyProtocol: method(z.object({ ...LB_SESSION, proxyProtocol: LbProxyProtocol }).strict(), LbInfo),
  exportConfig: method(
    z
      .object({ format: LbExportFormat, session: sessionId().optional(), config: LbConfigInput.optional() })
      .strict()
      .refine(
        (v) => (v.session === undefined) !== (v.config === undefined),
        coded('INVALID_INPUT', 'give either session or config'),
      ),
    z.object({ format: LbExportFormat, text: z.string(), warnings: z.array(z.string()) }),
  ),
  demoStart: method(LbDemoStartInput, LbDemoInfo),
  demoStop: method(z.object(LB_SESSION).strict(), z.object({})),
  demoSetBackend: method(
    z
      .object({
        ...LB_SESSION,
        index: z.number().int().min(0).max(LB_DEFAULTS.demo.maxCount),
        running: z.boolean().optional(),
        latencyMs: z.number().int().min(0).max(60_000).optional(),
        failureRate: z.number().min(0).max(1).optional(),
      })
      .strict(),
    LbDemoBackendInfo,
  ),
};

export type LbRejectReason = 'no-backend' | 'queue-full' | 'queue-timeout' | 'connect-failed' | 'stopping';

export type LbEvent =
  | { engine: 'lb'; type: 'started'; session: string; at: number; info: LbInfo }
  | { engine: 'lb'; type: 'stopped'; session: string; at: number }
  | { engine: 'lb'; type: 'config'; session: string; at: number; info: LbInfo }
  | { engine: 'lb'; type: 'backend.added'; session: string; at: number; backend: LbBackendInfo }
  | { engine: 'lb'; type: 'backend.updated'; session: string; at: number; backend: LbBackendInfo }
  | {
      engine: 'lb';
      type: 'backend.removed';
      session: string;
      at: number;
      backendId: string;
      name: string;
      activeLeft: number;
    }
  | {
      engine: 'lb';
      type: 'backend.state';
      session: string;
      at: number;
      backendId: string;
      name: string;
      health: 'up' | 'down';
      check: LbCheckResult;
    }
  | {
      /** A connect to a backend failed and the client was retried elsewhere (count = since the last event). */
      engine: 'lb';
      type: 'retry';
      session: string;
      at: number;
      backendId: string;
      name: string;
      code: string;
      count: number;
    }
  | {
      /** Clients closed without a backend; rate-limited to one event per reason per second with a count. */
      engine: 'lb';
      type: 'rejected';
      session: string;
      at: number;
      reason: LbRejectReason;
      code: string;
      count: number;
    }
  | { engine: 'lb'; type: 'stats'; session: string; at: number; sample: LbSample }
  | { engine: 'lb'; type: 'error'; session: string; at: number; code: string; message: string }
  | { engine: 'lb'; type: 'demo.started'; session: string; at: number; demo: LbDemoInfo }
  | { engine: 'lb'; type: 'demo.stopped'; session: string; at: number }
  | { engine: 'lb'; type: 'demo.backend'; session: string; at: number; backend: LbDemoBackendInfo };

/**
 * Parses the CLI/UI backend notation `HOST:PORT[@WEIGHT]` (IPv6 in brackets: `[::1]:8080@2`).
 * Returns the raw parts; the schema decides whether they are valid.
 */
export function parseBackendSpec(text: string):
  | { ok: true; value: { host: string; port: number; weight?: number } }
  | {
      ok: false;
      code: 'LB_INVALID_BACKEND' | 'LB_WEIGHT_OUT_OF_RANGE' | 'PORT_OUT_OF_RANGE';
      message: string;
    } {
  const t = text.trim();
  const m = /^(?:\[([^\]]+)\]|([^:@[\]]+)):(\d{1,6})(?:@(-?\d+(?:\.\d+)?))?$/.exec(t);
  if (!m)
    return {
      ok: false,
      code: 'LB_INVALID_BACKEND',
      message: `"${text}" is not HOST:PORT[@WEIGHT] (IPv6 as [addr]:port)`,
    };
  const h = (m[1] ?? m[2] ?? '').trim();
  const p = Number(m[3]);
  if (!isValidBackendHost(h))
    return { ok: false, code: 'LB_INVALID_BACKEND', message: `"${h}" is not an IP address or host name` };
  if (p < 1 || p > 65535)
    return { ok: false, code: 'PORT_OUT_OF_RANGE', message: `backend port must be 1..65535, got ${m[3]}` };
  if (m[4] === undefined) return { ok: true, value: { host: h, port: p } };
  const w = Number(m[4]);
  if (!Number.isInteger(w) || w < LB_DEFAULTS.minWeight || w > LB_DEFAULTS.maxWeight) {
    return {
      ok: false,
      code: 'LB_WEIGHT_OUT_OF_RANGE',
      message: `weight must be ${LB_DEFAULTS.minWeight}..${LB_DEFAULTS.maxWeight}, got ${m[4]}`,
    };
  }
  return { ok: true, value: { host: h, port: p, weight: w } };
}
