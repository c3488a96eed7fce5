// The TLS inspector as the dispatcher sees it: inspect (handshake + certificates + validation, and on
// request the raw-handshake scan with weaknesses), grade, raw request over TLS, report export and the
// history. Owns the running inspections (for cancel) and the parsed trust stores (parsed once per
// instance, lazily). No module-level state.
import { X509Certificate, createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { z } from 'zod';
import {
  TLS_DEFAULTS,
  type TlsCertificateInfo,
  type TlsHistoryEntry,
  type TlsEvent,
  type TlsInspectOptions,
  type TlsReport,
  type tlsContract,
} from '../../../shared/contract/tls';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { HandshakeBudget } from './budget';
import { describeCertificate, type ParsedCertificate } from './certs';
import { buildSuiteTable, type SuiteTable } from './cipher-suites';
import { CLIENT_HELLOS } from './client-hellos';
import { alpnProbe, simulateClients } from './clients';
import { CtLogLists, type CtLogList } from './ct-logs';
import { checkCt } from './ct-policy';
import { computeGrade } from './grade';
import { resolveHost, secureContextFor, type HandshakeTarget } from './handshake';
import { TlsHistory } from './history';
import { fetchMissingIssuers } from './aia';
import { withHello, type ProbeContext } from './probes';
import { reportToMarkdown } from './report-markdown';
import { ocspProblems, suiteInfo } from './report-parts';
import { sendRequest } from './request';
import { runtimeHandshake } from './runtime';
import { runMass } from './mass';
import { runScan } from './scanner';
import { STARTTLS_DEFAULT_PORTS } from './starttls';
import { parseTarget } from './target';
import { buildTrustStore, loadMozillaRoots, loadSystemRoots, loadUserCas, validateChain } from './validate';
import { HandshakeType, parseCertificateMessage } from './wire';
import { checkWeaknesses } from './weaknesses';
import { SCT_ASK, collectScts, flightScts, lookUpRevocation } from './trust-lookups';
import { stapleFromTls13, tls13Findings } from './tls13-inspect';

export { parseTarget } from './target';

/** Secure contexts kept per inspector (distinct CA/client-certificate sets). */
const MAX_CONTEXTS = 8;

type In<K extends keyof typeof tlsContract> = z.output<(typeof tlsContract)[K]['input']>;

export interface TlsInspectorOptions {
  /** Where the history is kept; no history when absent. */
  historyFile?: string;
  historyEntries: number;
  historyReports: number;
  connectTimeoutMs: number;
  probeMaxBytes: number;
  maxCertificates: number;
  expiryWarningDays: number;
  httpTimeoutMs: number;
  ticketWaitMs: number;
  maxHttpHeadBytes: number;
  maxCaFileBytes: number;
  starttlsMaxReplyBytes: number;
  aiaTimeoutMs: number;
  aiaMaxBytes: number;
  aiaMaxFetches: number;
  revocationTimeoutMs: number;
  ocspMaxBytes: number;
  crlMaxBytes: number;
  /** CT log list SCTs are verified with (default: the bundled one). */
  ctLogs?: CtLogList;
}

export const TLS_INSPECTOR_DEFAULTS: TlsInspectorOptions = {
  historyEntries: TLS_DEFAULTS.historyEntries,
  historyReports: TLS_DEFAULTS.historyReports,
  connectTimeoutMs: TLS_DEFAULTS.connectTimeoutMs,
  probeMaxBytes: TLS_DEFAULTS.probeMaxBytes,
  maxCertificates: TLS_DEFAULTS.maxCertificates,
  expiryWarningDays: TLS_DEFAULTS.expiryWarningDays,
  httpTimeoutMs: TLS_DEFAULTS.httpTimeoutMs,
  ticketWaitMs: TLS_DEFAULTS.ticketWaitMs,
  maxHttpHeadBytes: TLS_DEFAULTS.maxHttpHeadBytes,
  maxCaFileBytes: TLS_DEFAULTS.maxCaFileBytes,
  starttlsMaxReplyBytes: TLS_DEFAULTS.starttlsMaxReplyBytes,
  aiaTimeoutMs: TLS_DEFAULTS.aiaTimeoutMs,
  aiaMaxBytes: TLS_DEFAULTS.aiaMaxBytes,
  aiaMaxFetches: TLS_DEFAULTS.aiaMaxFetches,
  revocationTimeoutMs: TLS_DEFAULTS.revocationTimeoutMs,
  ocspMaxBytes: TLS_DEFAULTS.ocspMaxBytes,
  crlMaxBytes: TLS_DEFAULTS.crlMaxBytes,
};

export class TlsInspector extends TypedEmitter<TlsEvent> {
  private readonly options: TlsInspectorOptions;
  private readonly ids = new IdSequence('tls-');
  private readonly running = new Map<string, AbortController>();
  private readonly store: TlsHistory | undefined;
  private suites: SuiteTable | undefined;
  private readonly contexts = new Map<string, SecureContext>();
  private mozilla: ParsedCertificate[] | undefined;
  private system: ReturnType<typeof loadSystemRoots> | undefined;
  private ctLists: CtLogLists | undefined;
  private closed = false;

  constructor(options: Partial<TlsInspectorOptions> = {}) {
    super();
    this.options = { ...TLS_INSPECTOR_DEFAULTS, ...options };
    this.store = this.options.historyFile
      ? new TlsHistory(this.options.historyFile, this.options.historyEntries, this.options.historyReports)
      : undefined;
  }

  /**
   * Loading ~150 roots into a context costs more CPU than the rest of a scan, and a mass scan asks for
   * the same context for every target: kept per (extra CAs, client certificate), a few at a time.
   */
  private contextFor(extraCas: string[], certPem?: string, keyPem?: string): SecureContext {
    const key = createHash('sha256')
      .update(JSON.stringify([extraCas, certPem ?? '', keyPem ?? '']))
      .digest('hex');
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = secureContextFor([...tls.rootCertificates, ...extraCas], certPem, keyPem);
      this.contexts.set(key, ctx);
      const oldest = this.contexts.keys().next().value;
      if (this.contexts.size > MAX_CONTEXTS && oldest !== undefined) this.contexts.delete(oldest);
    }
    return ctx;
  }

  private table(): SuiteTable {
    this.suites ??= buildSuiteTable();
    return this.suites;
  }

  async inspect(input: TlsInspectOptions): Promise<TlsReport> {
    if (this.closed) throw new EngineError('NOT_SUPPORTED', 'the inspector is closed');
    const session = input.session ?? this.ids.next();
    if (this.running.has(session))
      throw new EngineError('INVALID_INPUT', `inspection ${session} is already running`);
    const ac = new AbortController();
    this.running.set(session, ac);
    try {
      const report = await this.run(input, session, ac.signal);
      this.emit({
        engine: 'tls',
        type: 'finished',
        session,
        at: Date.now(),
        host: report.host,
        port: report.port,
        grade: report.grade.grade,
        problemCount: report.problemCount,
      });
      return report;
    } catch (err) {
      const e = ac.signal.aborted ? new EngineError('CANCELLED', 'inspection cancelled') : toEngineError(err);
      this.emit({ engine: 'tls', type: 'failed', session, at: Date.now(), code: e.code, message: e.message });
      throw e;
    } finally {
      this.running.delete(session);
    }
  }

  private async run(input: TlsInspectOptions, session: string, signal: AbortSignal): Promise<TlsReport> {
    const o = this.options;
    const started = Date.now();
    const t0 = performance.now();
    const { host, port } = parseTarget(
      input.target,
      input.port,
      input.starttls ? STARTTLS_DEFAULT_PORTS[input.starttls] : TLS_DEFAULTS.port,
    );
    const sni = input.noSni ? undefined : input.sni || (isIP(host) ? undefined : host);
    const checkedName = input.sni || host;
    const progress = (
      phase: Extract<TlsEvent, { type: 'progress' }>['phase'],
      detail: string,
      handshakes = 0,
    ) => this.emit({ engine: 'tls', type: 'progress', session, at: Date.now(), phase, handshakes, detail });

    // Bad CA files fail before any traffic.
    const userCas = loadUserCas(input.caFiles, input.caPem, o.maxCaFileBytes);
    this.mozilla ??= loadMozillaRoots();
    if (input.useSystemStore) this.system ??= loadSystemRoots();
    const store = buildTrustStore(this.mozilla, input.useSystemStore ? this.system : undefined, userCas);

    progress('connect', `resolving ${host}`);
    const resolved = await resolveHost(host, o.connectTimeoutMs);
    const target: HandshakeTarget = {
      host,
      port,
      servername: sni,
      alpn: input.alpn,
      starttls: input.starttls,
      secureContext: this.contextFor(
        userCas.map((c) => c.info.pem),
        input.clientCertPem,
        input.clientKeyPem,
      ),
      connectTimeoutMs: Math.min(o.connectTimeoutMs, input.timeoutMs),
      timeoutMs: input.timeoutMs,
      starttlsMaxReplyBytes: o.starttlsMaxReplyBytes,
    };
    progress('handshake', `connecting to ${resolved.address}:${port}`);
    const rt = await runtimeHandshake(
      { options: o, table: this.table() },
      input,
      target,
      resolved,
      sni,
      signal,
      progress,
    );
    const handshake = rt.handshake;

    const budget = new HandshakeBudget(
      input.scanConcurrency,
      input.scanRatePerSecond,
      input.scanMaxHandshakes,
      signal,
    );
    const ctx: ProbeContext = {
      target: {
        host: resolved.address,
        port,
        starttls: input.starttls,
        connectTimeoutMs: target.connectTimeoutMs,
        maxBytes: o.probeMaxBytes,
        starttlsMaxReplyBytes: o.starttlsMaxReplyBytes,
      },
      timeoutMs: input.probeTimeoutMs,
      budget,
      signal,
    };
    const legacySuites = this.table()
      .all.filter((s) => !s.tls13)
      .map((s) => s.code);
    const t13 = handshake.protocol === 'TLSv1.3' ? await tls13Findings(ctx, sni, input.alpn) : undefined;
    let wireChain = t13?.chain;
    let wireScts = t13?.scts;
    let scan: TlsReport['scan'];
    if (input.scan) {
      const s0 = performance.now();
      progress('scan', 'versions and cipher suites');
      const raw = await runScan(ctx, this.table(), { sni, onStep: (d) => progress('scan', d, budget.count) });
      progress('weaknesses', 'checking known weaknesses', budget.count);
      const weaknesses = await checkWeaknesses(ctx, this.table(), raw, sni, handshake.hsts);
      wireChain ??= raw.certificatesDer;
      if (handshake.runtimeError) {
        const best = [...raw.versions].reverse().find((v) => v.supported);
        const first = best?.suites[0];
        handshake.protocol = best?.version ?? (raw.sslv2Ciphers.length > 0 ? 'SSLv2' : 'none');
        if (first) {
          handshake.cipher = suiteInfo(first);
          handshake.cipherOpenssl = first.openssl ?? first.name;
        }
      }
      if (raw.clientCertificateRequested !== undefined || t13)
        handshake.clientCertificateRequested = raw.clientCertificateRequested ?? t13?.certificateRequested;
      scan = {
        versions: raw.versions.map((v) => ({
          version: v.version,
          supported: v.supported,
          suites: v.suites.map((s) => suiteInfo(s) as NonNullable<ReturnType<typeof suiteInfo>>),
          serverPreference: v.serverPreference,
        })),
        sslv2Ciphers: raw.sslv2Ciphers,
        groups: raw.groups,
        groupsVersion: raw.groupsVersion,
        dhPrimeBits: raw.dhPrimeBits,
        dhGroups: raw.dhGroups,
        weaknesses,
        handshakes: budget.count,
        durationMs: performance.now() - s0,
      };
    } else if (t13) handshake.clientCertificateRequested = t13.certificateRequested;
    else {
      // One cleartext TLS ≤ 1.2 handshake shows the chain in wire order and whether a client certificate is asked for.
      try {
        // The runtime's version when it had one; after a refusal, down from TLS 1.2 until one answers.
        const versions =
          handshake.protocol === 'TLSv1' || handshake.protocol === 'TLSv1.1' || handshake.protocol === 'SSLv3'
            ? [handshake.protocol as 'TLSv1' | 'TLSv1.1' | 'SSLv3']
            : handshake.runtimeError
              ? (['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'] as const)
              : (['TLSv1.2'] as const);
        let got:
          | {
              chain?: Uint8Array[];
              requested: boolean;
              version: (typeof versions)[number];
              scts: TlsReport['scts'];
            }
          | undefined;
        for (const version of versions) {
          got = await withHello(ctx, { version, suites: legacySuites, sni, ...SCT_ASK }, 'done', (out) => {
            if (out.kind !== 'hello') return undefined;
            const cert = out.stream.message(HandshakeType.certificate);
            return {
              scts: flightScts(out),
              chain: cert ? parseCertificateMessage(cert.body) : undefined,
              requested: out.stream.message(HandshakeType.certificateRequest) !== undefined,
              version,
            };
          });
          if (got) break;
        }
        if (got && handshake.runtimeError) handshake.protocol = got.version;
        wireChain = got?.chain;
        wireScts = got?.scts;
        if (got) handshake.clientCertificateRequested = got.requested;
      } catch (err) {
        if (signal.aborted) throw err;
        // the runtime's chain below is the fallback
      }
    }

    const wireOrderKnown = wireChain !== undefined && wireChain.length > 0;
    let ders = (wireOrderKnown ? wireChain : rt.runtimeChain) ?? [];
    if (!wireOrderKnown && ders.length > 1) {
      // The runtime appends the root it found in the trust store; the server rarely sends it, so drop a
      // trailing trust anchor (the report says the order was reconstructed).
      const last = ders[ders.length - 1];
      const lastFp = last ? describeCertificate(last).x509.fingerprint256 : '';
      if (store.anchors.some((a) => a.cert.x509.fingerprint256 === lastFp)) ders = ders.slice(0, -1);
    }
    const parsed: ParsedCertificate[] = [];
    for (const der of ders.slice(0, o.maxCertificates)) {
      try {
        parsed.push(describeCertificate(der));
      } catch (err) {
        throw new EngineError(
          'TLS_ERROR',
          `the server sent a certificate that cannot be parsed: ${(err as Error).message}`,
        );
      }
    }
    const aia = input.fetchIssuers
      ? await fetchMissingIssuers(parsed, store, {
          timeoutMs: o.aiaTimeoutMs,
          maxBytes: o.aiaMaxBytes,
          maxFetches: o.aiaMaxFetches,
          signal,
        })
      : undefined;
    if (aia?.certs.length) {
      const urls = aia.fetches.filter((f) => f.ok).map((f) => f.url);
      store.fetched = aia.certs.map((cert, i) => ({ cert, url: urls[i] ?? '' }));
    }
    const validation = {
      ...validateChain(parsed, store, { hostname: checkedName, expiryWarningDays: o.expiryWarningDays }),
      runtimeVerdict: rt.runtimeVerdict,
      ...(aia?.fetches.length ? { aiaFetches: aia.fetches } : {}),
    };
    stapleFromTls13(handshake, t13);
    validation.problems.push(...ocspProblems(handshake.ocsp));
    // SCTs and revocation in parallel: one counted handshake, and at most two bounded HTTP lookups.
    const leafDer = ders[0];
    const issuerPem = validation.path[1]?.certificate.pem;
    const issuerDer = issuerPem ? new Uint8Array(new X509Certificate(issuerPem).raw) : undefined;
    progress('revocation', input.checkRevocation ? 'SCTs, OCSP and CRL' : 'SCTs', budget.count);
    const [found, revocation] = await Promise.all([
      collectScts(ctx, leafDer, wireScts, legacySuites, sni),
      input.checkRevocation && leafDer && parsed[0]
        ? lookUpRevocation(
            { der: leafDer, ocspUrls: parsed[0].info.ocspUrls, crlUrls: parsed[0].info.crlUrls },
            issuerDer,
            handshake.ocsp,
            {
              timeoutMs: o.revocationTimeoutMs,
              ocspMaxBytes: o.ocspMaxBytes,
              crlMaxBytes: o.crlMaxBytes,
              signal,
            },
          )
        : undefined,
    ]);
    if (revocation) validation.problems.push(...revocation.problems);
    const ct = checkCt(found.scts, {
      ...{ leafDer, issuerDer, leaf: parsed[0]?.info, path: validation.path, tlsObserved: found.tlsObserved },
      logs: (this.ctLists ??= new CtLogLists(o.ctLogs, TLS_DEFAULTS.ctLogListMaxBytes)).get(input.ctLogList),
      now: Date.now(),
    });
    validation.problems.push(...ct.problems);
    if (handshake.timings) handshake.timings.totalMs = performance.now() - t0;
    const grade = computeGrade({ handshake, problems: validation.problems, scan });
    // Informational findings (LUCKY13 on CBC, client cipher order) are shown but not counted, like info problems.
    const vulnerable =
      scan?.weaknesses.filter((w) => w.status === 'vulnerable' && w.severity !== 'info').length ?? 0;
    let clients: TlsReport['clients'];
    if (input.clients) {
      progress('clients', `simulating ${CLIENT_HELLOS.length} clients`, budget.count);
      clients = await simulateClients(ctx, this.table(), {
        sni,
        alpnFor: alpnProbe(target, resolved.address, signal),
      });
    }
    const report: TlsReport = {
      id: `${started.toString(36)}-${session}`,
      host,
      port,
      at: started,
      durationMs: performance.now() - t0,
      handshake,
      certificates: parsed.map((p): TlsCertificateInfo => p.info),
      wireOrderKnown,
      validation,
      scan,
      clients,
      revocation: revocation?.checks,
      scts: ct.scts,
      ct: ct.summary,
      grade,
      problemCount: validation.problems.filter((p) => p.severity !== 'info').length + vulnerable,
    };
    progress('done', `grade ${grade.grade}`, budget.count);
    if (!input.noHistory) this.store?.add(report);
    return report;
  }

  async inspectMany(
    input: In<'inspectMany'>,
  ): Promise<z.output<(typeof tlsContract)['inspectMany']['output']>> {
    if (this.closed) throw new EngineError('NOT_SUPPORTED', 'the inspector is closed');
    const session = input.session ?? this.ids.next();
    if (this.running.has(session))
      throw new EngineError('INVALID_INPUT', `inspection ${session} is already running`);
    const ac = new AbortController();
    // Every target's probes listen on this one signal: the default warning at 10 listeners is noise here.
    setMaxListeners(0, ac.signal);
    this.running.set(session, ac);
    const t0 = performance.now();
    const total = input.targets.length;
    try {
      const rows = await runMass(input.targets, {
        concurrency: input.concurrency,
        signal: ac.signal,
        // Each target is its own inspection (own session for its progress) under the scan's abort signal.
        inspect: (target, index) =>
          this.run(
            { ...input.options, target, session: `${session}.${index}` },
            `${session}.${index}`,
            ac.signal,
          ),
        onRow: (row, done) =>
          this.emit({ engine: 'tls', type: 'target', session, at: Date.now(), done, total, row }),
      });
      return { session, rows, durationMs: performance.now() - t0, cancelled: ac.signal.aborted };
    } finally {
      this.running.delete(session);
    }
  }

  async cancel(input: In<'cancel'>): Promise<{ cancelled: boolean }> {
    const ac = this.running.get(input.session);
    ac?.abort();
    return { cancelled: ac !== undefined };
  }

  async request(input: In<'request'>): Promise<z.output<(typeof tlsContract)['request']['output']>> {
    return sendRequest(this.options, input);
  }

  async exportReport(input: In<'exportReport'>): Promise<{ text: string; fileName: string; mime: string }> {
    const r = input.report;
    const base = `tls-${r.host.replace(/[^a-z0-9.-]/gi, '_')}-${r.port}-${new Date(r.at).toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    if (input.format === 'json')
      return { text: `${JSON.stringify(r, null, 2)}\n`, fileName: `${base}.json`, mime: 'application/json' };
    return { text: reportToMarkdown(r), fileName: `${base}.md`, mime: 'text/markdown' };
  }

  async history(): Promise<{ entries: TlsHistoryEntry[] }> {
    return { entries: this.store?.list() ?? [] };
  }

  async historyReport(input: In<'historyReport'>): Promise<TlsReport> {
    if (!this.store) throw new EngineError('NOT_FOUND', 'no history is kept by this instance');
    return this.store.report(input.id);
  }

  async historyClear(): Promise<{ removed: number }> {
    return { removed: this.store?.clear() ?? 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ac of this.running.values()) ac.abort();
    this.running.clear();
  }
}
