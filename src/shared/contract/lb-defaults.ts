// The load balancer's documented defaults and bounds (docs/load-balancer.md), as plain constants.
// Kept apart from the zod schemas in lb.ts so the engine's data path can run without loading zod
// (the bench runs the balancer in a process that holds nothing but the proxy, like its reference).
/** Documented defaults and bounds of the load balancer (docs/load-balancer.md). */
export const LB_DEFAULTS = {
  listenHost: '127.0.0.1',
  strategy: 'rr',
  /** Connections proxied (connecting or established) at once; beyond it clients wait in the queue. */
  maxConn: 10_000,
  /** Per-backend connection cap; 0 means no cap (HAProxy's server `maxconn 0`). */
  backendMaxConn: 0,
  /** Time to establish the backend connection before it counts as failed (HAProxy `timeout connect`). */
  connectTimeoutMs: 5_000,
  /** A connection with no traffic in either direction for this long is closed (`timeout client/server`). */
  idleTimeoutMs: 300_000,
  /**
   * Once one side has half-closed (sent FIN), silence for this long closes the connection
   * (HAProxy `timeout client-fin` / `server-fin`): a peer that never closes its half cannot hold a slot
   * for the whole idle timeout.
   */
  halfClosedTimeoutMs: 30_000,
  /** Clients waiting for a free slot when every backend (or the overall cap) is full. */
  queueSize: 1_000,
  /** How long a client may wait in the queue before it is closed (HAProxy `timeout queue`). */
  queueTimeoutMs: 5_000,
  /** Extra backends tried after a refused or timed-out connect (HAProxy `retries` + `redispatch`). */
  retries: 2,
  weight: 1,
  minWeight: 1,
  maxWeight: 256,
  maxBackends: 64,
  /** PROXY protocol header sent to backends before the client's bytes: off, v1 (text) or v2 (binary). */
  proxyProtocol: 'off',
  health: {
    type: 'none',
    path: '/',
    /** Accepted HTTP status range, inclusive (HAProxy's default expectation is 2xx/3xx). */
    statusMin: 200,
    statusMax: 399,
    /** Time between two checks of one backend (HAProxy `inter`). */
    intervalMs: 2_000,
    /** A check that has not succeeded within this time fails (HAProxy `timeout check`). */
    timeoutMs: 1_000,
    /** Consecutive successes that bring a down backend up (HAProxy `rise`). */
    rise: 2,
    /** Consecutive failures that take an up backend down (HAProxy `fall`). */
    fall: 3,
  },
  /** Per-second samples kept per backend and overall: 600 = the last 10 minutes. */
  historySamples: 600,
  /** Connect durations kept per backend for the p50/p99 figures. */
  connectTimeSamples: 1_024,
  demo: {
    count: 3,
    maxCount: 32,
    host: '127.0.0.1',
    latencyMs: 0,
    failureRate: 0,
  },
} as const;
