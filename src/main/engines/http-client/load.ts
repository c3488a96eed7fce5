// Load runs: one request sent N times over C persistent connections, with latency percentiles, a
// histogram, status counts and requests per second. HTTP/1.1 uses a lean client that writes the
// pre-encoded request and parses just enough of each response (status, Content-Length or chunked framing)
// — the composer's timing-rich path would measure itself instead of the server. HTTP/2 runs C concurrent
// streams on one session. Load runs deliberately do not use a proxy, cookies, redirects or Digest auth.
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import type { HttpLoadSummary, HttpRequestSpec } from '../../../shared/contract/http-client';
import { EngineError, toEngineError } from '../common/errors';
import { prepareBody } from './body';
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

interface Pending {
  resolve: (status: number) => void;
  reject: (err: Error) => void;
  head: boolean;
  startedAt: number;
}

/** One keep-alive HTTP/1.1 connection that carries one request at a time. */
class H1Conn {
  private buf: Buffer | null = null;
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'until-close' = 'head';
  private remaining = 0;
  private status = 0;
  private closeAfter = false;
  pending: Pending | null = null;
  closed = false;
  bytes = 0;

  constructor(
    readonly socket: Socket,
    private readonly maxHeaderBytes: number,
  ) {
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      this.buf = this.buf && this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    const gone = (err?: Error) => {
      this.closed = true;
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (this.state === 'until-close' && !err) p.resolve(this.status);
      else
        p.reject(
          err
            ? toEngineError(err)
            : new EngineError(
                this.state === 'head' ? 'CONNECTION_RESET' : 'RESPONSE_INCOMPLETE',
                'connection closed mid-response',
              ),
        );
    };
    socket.on('error', (err) => gone(err));
    socket.on('close', () => gone());
  }

  send(bytes: Buffer, head: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, head, startedAt: performance.now() };
      this.state = 'head';
      this.socket.write(bytes);
    });
  }

  private fail(err: EngineError): void {
    const p = this.pending;
    this.pending = null;
    this.socket.destroy();
    p?.reject(err);
  }

  private complete(): void {
    const p = this.pending;
    this.pending = null;
    this.state = 'head';
    if (this.closeAfter) this.socket.destroy();
    p?.resolve(this.status);
  }

  private parse(): void {
    while (this.pending && this.buf && this.buf.length) {
      const buf: Buffer = this.buf;
      if (this.state === 'head') {
        const idx = buf.indexOf('\r\n\r\n');
        if (idx < 0) {
          if (buf.length > this.maxHeaderBytes)
            this.fail(new EngineError('HTTP_PROTOCOL_ERROR', 'response header block too large'));
          return;
        }
        const head = buf.toString('latin1', 0, idx);
        this.buf = buf.subarray(idx + 4);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (!m)
          return this.fail(
            new EngineError(
              'HTTP_PROTOCOL_ERROR',
              `not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, 40))}`,
            ),
          );
        this.status = Number(m[1]);
        if (this.status >= 100 && this.status < 200) continue;
        let length = -1;
        let chunked = false;
        this.closeAfter = head.startsWith('HTTP/1.0');
        for (const line of head.split('\r\n')) {
          const c = line.indexOf(':');
          if (c < 0) continue;
          const k = line.slice(0, c).trim().toLowerCase();
          const v = line
            .slice(c + 1)
            .trim()
            .toLowerCase();
          if (k === 'content-length') length = Number(v);
          else if (k === 'transfer-encoding') chunked = v.includes('chunked');
          else if (k === 'connection')
            this.closeAfter = v.includes('close') ? true : v.includes('keep-alive') ? false : this.closeAfter;
        }
        if (this.pending.head || this.status === 204 || this.status === 304) this.complete();
        else if (chunked) this.state = 'chunk-size';
        else if (length >= 0) {
          this.remaining = length;
          this.state = 'body';
          if (length === 0) this.complete();
        } else {
          this.state = 'until-close';
          this.closeAfter = true;
        }
      } else if (this.state === 'body' || this.state === 'chunk-data') {
        const take = Math.min(this.remaining, buf.length);
        this.remaining -= take;
        this.buf = buf.subarray(take);
        if (this.remaining === 0) {
          if (this.state === 'body') this.complete();
          else this.state = 'chunk-size';
        }
      } else if (this.state === 'chunk-size') {
        const idx = buf.indexOf('\r\n');
        if (idx < 0) return;
        const size = parseInt(buf.toString('latin1', 0, idx).split(';')[0] ?? '', 16);
        this.buf = buf.subarray(idx + 2);
        if (Number.isNaN(size)) return this.fail(new EngineError('HTTP_PROTOCOL_ERROR', 'bad chunk size'));
        if (size === 0) this.state = 'trailers';
        else {
          this.remaining = size + 2;
          this.state = 'chunk-data';
        }
      } else if (this.state === 'trailers') {
        const idx = buf.indexOf('\r\n');
        if (idx < 0) return;
        this.buf = buf.subarray(idx + 2);
        if (idx === 0) this.complete();
      } else {
        this.buf = null;
      }
    }
  }
}

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
    for (const c of this.conns) c.socket.destroy();
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
        if (c.pending && t - c.pending.startedAt > spec.options.timeoutMs)
          c.socket.destroy(new EngineError('TIMEOUT', `no response within ${spec.options.timeoutMs} ms`));
      this.o.onProgress?.(this.summary());
    }, every);
    try {
      if (useH2) await this.runH2(url, headers, body);
      else await this.runH1(url, https, headers, body, deadline);
    } finally {
      clearInterval(timer);
      this.endedAt = performance.now();
      for (const c of this.conns) c.socket.destroy();
      this.h2?.close();
    }
    this.state = this.stopping && this.sent < this.o.requests ? 'stopped' : 'done';
    return this.summary(true);
  }

  private connectH1(url: URL, https: boolean): Promise<H1Conn> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (https ? 443 : 80));
    const o = this.spec.options;
    return new Promise((resolve, reject) => {
      const socket = https
        ? tlsConnect({
            host,
            port,
            servername: isIP(host) ? undefined : host,
            ALPNProtocols: ['http/1.1'],
            rejectUnauthorized: o.verifyTls,
            ca: o.caPem ? [...rootCertificates, o.caPem] : undefined,
            cert: o.clientCertPem,
            key: o.clientKeyPem,
          })
        : netConnect({ host, port, noDelay: true });
      const ok = () => {
        socket.off('error', bad);
        resolve(new H1Conn(socket, this.o.maxResponseHeaderBytes ?? 64 * 1024));
      };
      const bad = (err: Error) => reject(toEngineError(err, 'connect'));
      socket.once(https ? 'secureConnect' : 'connect', ok);
      socket.once('error', bad);
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
    let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const [k, v] of headers)
      if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
    if (body.length || ['POST', 'PUT', 'PATCH'].includes(method))
      head += `Content-Length: ${body.length}\r\n`;
    const bytes = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
    const isHead = method === 'HEAD';
    const worker = async () => {
      let conn: H1Conn | undefined;
      while (!this.stopping && this.sent < this.o.requests && performance.now() < deadline) {
        this.sent += 1;
        const t = performance.now();
        try {
          if (!conn || conn.closed || conn.socket.destroyed) {
            if (conn) {
              this.bytesFromClosed += conn.bytes;
              this.conns.delete(conn);
            }
            conn = await this.connectH1(url, https);
            this.conns.add(conn);
          }
          const status = await conn.send(bytes, isHead);
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
