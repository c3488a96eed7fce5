// Load runs: one request sent N times over C persistent connections, with latency percentiles, a
// histogram, status counts and requests per second. HTTP/1.1 runs on undici's Client (llhttp's strict
// parser, load-h1.ts) with a handler that keeps only the status — the composer's timing-rich path would
// measure itself instead of the server. HTTP/2 runs C concurrent streams on one session. Load runs deliberately do not use a proxy, cookies, redirects or Digest auth.
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { HttpLoadSummary, HttpRequestSpec } from '../../../shared/contract/http-client';
import { EngineError, toEngineError } from '../common/errors';
import { prepareBody } from './body';
import { H1Conn, loadH1Client, type H1Client, type H1Request } from './load-h1';
import { applyAuth, checkTlsOptions, enabledHeaders, hasHeader, parseUrl } from './prepare';

export interface LoadRunOptions {
  requests: number;
  concurrency: number;
  maxDurationMs: number;
  progressEveryMs?: number;
  onProgress?: (s: HttpLoadSummary) => void;
  userAgent?: string;
  /** Largest request body held in memory for a load run (16 MiB). */
  maxBodyBytes?: number;
  maxResponseHeaderBytes?: number;
}

/** Histogram bucket upper bounds (ms): 1-2-5 steps from 0.1 ms to 100 s. */
const BOUNDS: number[] = [];
for (let e = -1; e <= 5; e++) for (const m of [1, 2, 5]) BOUNDS.push(m * 10 ** e);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

export class LoadRun {
  private readonly latencies: Float64Array;
  private completed = 0;
  private sent = 0;
  private errors = 0;
  private readonly errorCodes: Record<string, number> = {};
  private readonly statusCounts: Record<string, number> = {};
  private readonly buckets = new Array<number>(BOUNDS.length + 1).fill(0);
  private sum = 0;
  private min = Infinity;
  private max = 0;
  private startedAt = 0;
  private endedAt = 0;
  private bytesFromClosed = 0;
  private readonly conns = new Set<H1Conn>();
  private h2?: ClientHttp2Session;
  private httpVersion = '1.1';
  private stopping = false;
  private state: HttpLoadSummary['state'] = 'running';
  private runPromise?: Promise<HttpLoadSummary>;

  constructor(
    readonly session: string,
    private readonly spec: HttpRequestSpec,
    private readonly o: LoadRunOptions,
  ) {
    this.latencies = new Float64Array(o.requests);
  }

  get finished(): boolean {
    return this.state !== 'running';
  }

  start(): Promise<HttpLoadSummary> {
    this.runPromise ??= this.run().catch((err: unknown) => {
      this.state = 'stopped';
      throw err;
    });
    return this.runPromise;
  }

  async stop(): Promise<HttpLoadSummary> {
    this.stopping = true;
    for (const c of this.conns) c.destroy();
    this.h2?.destroy();
    if (this.runPromise) await this.runPromise.catch(() => undefined);
    return this.summary(true);
  }

  private record(latency: number, status: number): void {
    this.latencies[this.completed] = latency;
    this.completed += 1;
    this.sum += latency;
    if (latency < this.min) this.min = latency;
    if (latency > this.max) this.max = latency;
    let b = 0;
    while (b < BOUNDS.length && latency > (BOUNDS[b] as number)) b++;
    this.buckets[b] = (this.buckets[b] ?? 0) + 1;
    const k = String(status);
    this.statusCounts[k] = (this.statusCounts[k] ?? 0) + 1;
  }

  private recordError(err: unknown): void {
    this.errors += 1;
    const code = toEngineError(err).code;
    this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1;
  }

  summary(final = false): HttpLoadSummary {
    const end = this.endedAt || performance.now();
    const elapsed = this.startedAt ? end - this.startedAt : 0;
    let sorted: Float64Array;
    if (final || this.completed <= 20_000) sorted = this.latencies.slice(0, this.completed).sort();
    else {
      // Live progress on big runs: percentiles over an evenly spaced sample, the final summary is exact.
      const step = Math.ceil(this.completed / 20_000);
      const sample = new Float64Array(Math.floor(this.completed / step));
      for (let i = 0; i < sample.length; i++) sample[i] = this.latencies[i * step] ?? 0;
      sorted = sample.sort();
    }
    let first = this.buckets.findIndex((n) => n > 0);
    let last = this.buckets.length - 1 - [...this.buckets].reverse().findIndex((n) => n > 0);
    if (first < 0) {
      first = 0;
      last = -1;
    }
    const histogram: { le: number; count: number }[] = [];
    for (let i = first; i <= last; i++)
      histogram.push({ le: BOUNDS[i] ?? this.max, count: this.buckets[i] ?? 0 });
    let bytes = this.bytesFromClosed;
    for (const c of this.conns) bytes += c.bytes;
    return {
      session: this.session,
      state: this.state,
      sent: this.sent,
      completed: this.completed,
      errors: this.errors,
      errorCodes: { ...this.errorCodes },
      statusCounts: { ...this.statusCounts },
      elapsedMs: elapsed,
      requestsPerSecond: elapsed > 0 ? (this.completed / elapsed) * 1000 : 0,
      latency: {
        min: this.completed ? this.min : 0,
        mean: this.completed ? this.sum / this.completed : 0,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: this.max,
      },
      histogram,
      bytesReceived: bytes,
      httpVersion: this.httpVersion,
    };
  }

  private async run(): Promise<HttpLoadSummary> {
    const spec = this.spec;
    if (spec.auth.type === 'digest')
      throw new EngineError(
        'NOT_SUPPORTED',
        'load runs do not answer Digest challenges; use basic or bearer auth',
      );
    const url = parseUrl(spec.url);
    checkTlsOptions(spec.options);
    const headers = enabledHeaders(spec.headers);
    applyAuth(spec.auth, url, headers);
    const prepared = await prepareBody(spec.body);
    let body: Buffer = Buffer.alloc(0);
    if (prepared) {
      const max = this.o.maxBodyBytes ?? 16 * 1024 * 1024;
      if (prepared.length > max)
        throw new EngineError(
          'LIMIT_EXCEEDED',
          `a load-run body is held in memory; ${prepared.length} bytes exceeds ${max}`,
        );
      if (prepared.inMemory) body = prepared.inMemory;
      else {
        const parts: Buffer[] = [];
        for await (const c of prepared.open()) parts.push(c);
        body = Buffer.concat(parts);
      }
      if (prepared.contentType && !hasHeader(headers, 'content-type'))
        headers.push(['Content-Type', prepared.contentType]);
    }
    if (!hasHeader(headers, 'user-agent')) headers.push(['User-Agent', this.o.userAgent ?? 'Wirelab']);
    if (!hasHeader(headers, 'accept')) headers.push(['Accept', '*/*']);
    const https = url.protocol === 'https:';
    const useH2 = spec.options.httpVersion === '2';
    this.startedAt = performance.now();
    const deadline = this.startedAt + this.o.maxDurationMs;
    const every = this.o.progressEveryMs ?? 250;
    const timer = setInterval(() => {
      const t = performance.now();
      if (t > deadline) this.stopping = true;
      // Requests stuck beyond the timeout are failed by closing their connection.
      for (const c of this.conns)
        if (c.pendingSince !== null && t - c.pendingSince > spec.options.timeoutMs)
          c.destroy(new EngineError('TIMEOUT', `no response within ${spec.options.timeoutMs} ms`));
      this.o.onProgress?.(this.summary());
    }, every);
    try {
      if (useH2) await this.runH2(url, headers, body);
      else await this.runH1(url, https, headers, body, deadline);
    } finally {
      clearInterval(timer);
      this.endedAt = performance.now();
      for (const c of this.conns) c.destroy();
      this.h2?.close();
    }
    this.state = this.stopping && this.sent < this.o.requests ? 'stopped' : 'done';
    return this.summary(true);
  }

  private connectH1(UndiciClient: H1Client, url: URL, https: boolean): H1Conn {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const o = this.spec.options;
    return new H1Conn(UndiciClient, {
      origin: url.origin,
      maxHeaderBytes: this.o.maxResponseHeaderBytes ?? 64 * 1024,
      tls: https
        ? {
            rejectUnauthorized: o.verifyTls,
            ca: o.caPem ? [...rootCertificates, o.caPem] : undefined,
            cert: o.clientCertPem,
            key: o.clientKeyPem,
            servername: isIP(host) ? undefined : host,
          }
        : undefined,
    });
  }

  private async runH1(
    url: URL,
    https: boolean,
    headers: [string, string][],
    body: Buffer,
    deadline: number,
  ): Promise<void> {
    const method = this.spec.method;
    const flat: string[] = [];
    for (const [k, v] of headers) if (k.toLowerCase() !== 'content-length') flat.push(k, v);
    const request: H1Request = {
      path: `${url.pathname}${url.search}`,
      method,
      headers: flat,
      // An empty POST/PUT/PATCH still says Content-Length: 0 (undici adds it for a zero-length body).
      body: body.length || ['POST', 'PUT', 'PATCH'].includes(method) ? body : null,
    };
    const UndiciClient = await loadH1Client();
    const worker = async () => {
      let conn: H1Conn | undefined;
      while (!this.stopping && this.sent < this.o.requests && performance.now() < deadline) {
        this.sent += 1;
        const t = performance.now();
        try {
          if (!conn || conn.closed) {
            if (conn) {
              this.bytesFromClosed += conn.bytes;
              this.conns.delete(conn);
            }
            conn = this.connectH1(UndiciClient, url, https);
            this.conns.add(conn);
          }
          const status = await conn.send(request);
          this.record(performance.now() - t, status);
        } catch (err) {
          if (this.stopping) {
            this.sent -= 1;
            break;
          }
          this.recordError(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, this.o.requests) }, worker));
  }

  private async runH2(url: URL, headers: [string, string][], body: Buffer): Promise<void> {
    this.httpVersion = '2';
    const o = this.spec.options;
    const session = h2connect(url.origin, {
      rejectUnauthorized: o.verifyTls,
      ca: o.caPem ? [...rootCertificates, o.caPem] : undefined,
      cert: o.clientCertPem,
      key: o.clientKeyPem,
    });
    this.h2 = session;
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', (err) => reject(toEngineError(err, 'connect')));
    });
    session.on('error', () => undefined);
    const h: Record<string, string> = {
      ':method': this.spec.method,
      ':path': `${url.pathname}${url.search}`,
    };
    for (const [k, v] of headers) {
      const lk = k.toLowerCase();
      if (
        !['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length'].includes(lk)
      )
        h[lk] = v;
    }
    if (body.length) h['content-length'] = String(body.length);
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const st = session.request(h, { endStream: body.length === 0 });
        let status = 0;
        st.on('response', (rh) => (status = Number(rh[':status'] ?? 0)));
        st.on('data', (d: Buffer) => (this.bytesFromClosed += d.length));
        st.on('end', () => resolve(status));
        st.on('error', (err) => reject(toEngineError(err)));
        st.setTimeout(o.timeoutMs, () => st.close());
        st.on('close', () =>
          status
            ? resolve(status)
            : reject(new EngineError('RESPONSE_INCOMPLETE', `stream closed (code ${st.rstCode})`)),
        );
        if (body.length) st.end(body);
      });
    const worker = async () => {
      while (!this.stopping && this.sent < this.o.requests && !session.destroyed) {
        this.sent += 1;
        const t = performance.now();
        try {
          const status = await one();
          this.record(performance.now() - t, status);
        } catch (err) {
          if (this.stopping) break;
          this.recordError(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, this.o.requests) }, worker));
  }
}
