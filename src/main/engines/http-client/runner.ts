// The collection runner: requests in collection order, once per iteration (or data row), each sent with
// the composer's full behaviour (redirects, auth, cookies, kept connections) and its assertions and
// captures evaluated. Variables: the environment, then the iteration's data row, then values captured
// earlier in the same run. Captures stay in the run (the saved environment is not changed by a run).
import type { HttpRequestSpec } from '../../../shared/contract/http-client';
import {
  HTTP_RUNNER_LIMITS,
  type HttpRunResult,
  type HttpRunSummary,
} from '../../../shared/contract/http-runner';
import { toEngineError } from '../common/errors';
import { sendChecked, type ComposerDeps } from './composer';
import { applyVariables } from './prepare';
import type { DataRow } from './run-data';

export interface RunRequest {
  path: string;
  name: string;
  request: HttpRequestSpec;
}

export interface CollectionRunSpec {
  collection: string;
  requests: RunRequest[];
  variables: ReadonlyMap<string, string>;
  /** One iteration per row when present. */
  data?: DataRow[];
  iterations: number;
  delayMs: number;
  bail: boolean;
  timeoutMs?: number;
}

export class CollectionRun {
  private readonly controller = new AbortController();
  private state: HttpRunSummary['state'] = 'running';
  private readonly results: HttpRunResult[] = [];
  private dropped = 0;
  private counts = { requests: 0, failedRequests: 0, passed: 0, failed: 0 };
  private readonly startedAt = Date.now();
  private endedAt?: number;
  private done?: Promise<HttpRunSummary>;

  constructor(
    readonly session: string,
    private readonly spec: CollectionRunSpec,
    private readonly deps: ComposerDeps,
    private readonly onResult: (r: HttpRunResult, summary: HttpRunSummary) => void = () => undefined,
  ) {}

  get finished(): boolean {
    return this.state !== 'running';
  }

  start(): Promise<HttpRunSummary> {
    this.done ??= this.loop().then(() => {
      this.endedAt = Date.now();
      return this.summary();
    });
    return this.done;
  }

  stop(): Promise<HttpRunSummary> {
    if (this.state === 'running') this.state = 'stopped';
    this.controller.abort(new Error('stopped'));
    return this.start();
  }

  summary(): HttpRunSummary {
    const s = this.spec;
    return {
      session: this.session,
      collection: s.collection,
      state: this.state,
      iterations: s.data ? s.data.length : s.iterations,
      requests: this.counts.requests,
      failedRequests: this.counts.failedRequests,
      passedAssertions: this.counts.passed,
      failedAssertions: this.counts.failed,
      startedAt: this.startedAt,
      durationMs: (this.endedAt ?? Date.now()) - this.startedAt,
      results: this.results.slice(),
      droppedResults: this.dropped,
    };
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.controller.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  private async loop(): Promise<void> {
    const s = this.spec;
    const rounds = s.data ? s.data.length : s.iterations;
    const captured = new Map<string, string>();
    let first = true;
    for (let it = 0; it < rounds; it++) {
      for (const r of s.requests) {
        if (this.state !== 'running') return;
        if (!first) await this.pause(s.delayMs);
        first = false;
        if (this.state !== 'running') return;
        const vars = new Map([...s.variables, ...Object.entries(s.data?.[it] ?? {}), ...captured]);
        const result = await this.one(it + 1, r, vars, captured);
        this.record(result);
        if (s.bail && (result.failed > 0 || result.code)) {
          this.state = 'bailed';
          return;
        }
      }
    }
    if (this.state === 'running') this.state = 'done';
  }

  private async one(
    iteration: number,
    r: RunRequest,
    vars: Map<string, string>,
    captured: Map<string, string>,
  ): Promise<HttpRunResult> {
    const t0 = performance.now();
    const base = { iteration, path: r.path, name: r.name, method: r.request.method, url: r.request.url };
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error('timeout')),
      this.spec.timeoutMs ?? r.request.options.timeoutMs,
    );
    const signal = AbortSignal.any([this.controller.signal, timeout.signal]);
    try {
      const spec = applyVariables(r.request, vars);
      const res = await sendChecked(spec, `${this.session}-${iteration}`, this.deps, signal);
      for (const c of res.checks?.captures ?? [])
        if (c.ok && c.value !== undefined) captured.set(c.variable, c.value);
      const assertions = res.checks?.assertions ?? [];
      return {
        ...base,
        url: res.url,
        status: res.status,
        durationMs: res.timing.total,
        assertions,
        passed: assertions.filter((a) => a.pass).length,
        failed: assertions.filter((a) => !a.pass).length,
      };
    } catch (err) {
      const e = timeout.signal.aborted
        ? { code: 'TIMEOUT', message: `no complete response within ${r.request.options.timeoutMs} ms` }
        : this.controller.signal.aborted
          ? { code: 'CANCELLED', message: 'the run was stopped' }
          : toEngineError(err);
      return {
        ...base,
        durationMs: performance.now() - t0,
        code: e.code,
        message: e.message,
        assertions: [],
        passed: 0,
        failed: 0,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private record(r: HttpRunResult): void {
    this.counts.requests += 1;
    if (r.code) this.counts.failedRequests += 1;
    this.counts.passed += r.passed;
    this.counts.failed += r.failed;
    if (this.results.length < HTTP_RUNNER_LIMITS.maxResults) this.results.push(r);
    else this.dropped += 1;
    this.onResult(r, this.summary());
  }
}

/** The requests of a collection tree under `folder`, in the tree's (file name) order. */
export function underFolder<T extends { path: string }>(requests: T[], folder: string): T[] {
  const f = folder.replace(/^\/+|\/+$/g, '');
  return f === '' ? requests : requests.filter((r) => r.path === f || r.path.startsWith(`${f}/`));
}
