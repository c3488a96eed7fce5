// Active health checks, one loop per backend: TCP connect, or HTTP GET of a path expecting a status
// range. The up/down decision follows HAProxy: an up backend goes down after `fall` consecutive failed
// checks, a down one comes up after `rise` consecutive successes; a single result never flips it.
// This module does not know about connections or strategies; it reports results to a callback.
import { connect } from 'node:net';
import { request } from 'node:http';
import type { LbCheckResult, LbHealthConfig } from '../../../shared/contract/lb';
import { toEngineError } from '../common/errors';
import { connectLookup } from '../common/resolve';

/** HAProxy's rise/fall counter for one backend. Backends start up, as HAProxy's do. */
export class RiseFall {
  health: 'up' | 'down' = 'up';
  private streak = 0;

  /** Records one result; returns true when it changed the health. */
  record(ok: boolean, rise: number, fall: number): boolean {
    if (this.health === 'up') {
      this.streak = ok ? 0 : this.streak + 1;
      if (this.streak >= fall) {
        this.health = 'down';
        this.streak = 0;
        return true;
      }
    } else {
      this.streak = ok ? this.streak + 1 : 0;
      if (this.streak >= rise) {
        this.health = 'up';
        this.streak = 0;
        return true;
      }
    }
    return false;
  }

  reset(): void {
    this.health = 'up';
    this.streak = 0;
  }
}

export interface CheckTarget {
  host: string;
  port: number;
}

export function tcpCheck(target: CheckTarget, timeoutMs: number): Promise<LbCheckResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, lookup: connectLookup });
    const done = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, at: Date.now(), durationMs: performance.now() - started, detail });
    };
    const timer = setTimeout(() => done(false, 'TIMEOUT'), timeoutMs);
    socket.once('connect', () => done(true, 'connected'));
    socket.once('error', (err) => done(false, toEngineError(err).code));
  });
}

export function httpCheck(target: CheckTarget, health: LbHealthConfig): Promise<LbCheckResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, at: Date.now(), durationMs: performance.now() - started, detail });
    };
    const req = request({
      host: target.host,
      port: target.port,
      lookup: connectLookup,
      path: health.path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'wirelab-health-check', connection: 'close' },
    });
    // One deadline for the whole check, so a backend that trickles its answer still fails in time.
    const timer = setTimeout(() => done(false, 'TIMEOUT'), health.timeoutMs);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      done(status >= health.statusMin && status <= health.statusMax, `HTTP ${status}`);
    });
    req.once('error', (err) => done(false, toEngineError(err).code));
    req.end();
  });
}

/**
 * Runs checks for one backend until stopped. The next check is scheduled after the previous one
 * finished, so a slow backend never has two checks in flight.
 */
export class HealthLoop {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly target: CheckTarget,
    private readonly health: LbHealthConfig,
    private readonly onResult: (r: LbCheckResult) => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce(), delay);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    const r =
      this.health.type === 'http'
        ? await httpCheck(this.target, this.health)
        : await tcpCheck(this.target, this.health.timeoutMs);
    if (this.stopped) return;
    this.onResult(r);
    this.schedule(this.health.intervalMs);
  }
}
