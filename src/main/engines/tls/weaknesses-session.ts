// The weaknesses that need a completed session (session12.ts), each decided by what the server does with
// bytes it should refuse: a ClientHello inside the session (client-initiated renegotiation), a record
// whose CBC padding is wrong under a correct MAC (POODLE over TLS), a short session id sent with a
// valid ticket (Ticketbleed). The evidence — which alert, which bytes — goes into the detail.
import type { TlsWeakness } from '../../../shared/contract/tls';
import { ALERT_NAMES } from './alerts';
import type { SuiteTable } from './cipher-suites';
import { withHello, type ProbeContext } from './probes';
import type { RawScan } from './scanner';
import { sessionTarget, withSession, type Received } from './session12';
import { ContentType } from './wire';
import { randomBytes } from 'node:crypto';

export const SESSION_DEFS = {
  clientRenegotiation: {
    id: 'client-renegotiation',
    title: 'Client-initiated renegotiation',
    severity: 'medium',
    explanation:
      'A server that renegotiates when the client asks lets one client make it do a full handshake (the expensive, private-key part) again and again on one connection — a cheap denial of service (CVE-2011-1473). Without secure renegotiation (RFC 5746) it is also the CVE-2009-3555 injection.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2011-1473',
  },
  poodleTls: {
    id: 'poodle-tls',
    title: 'POODLE over TLS (CBC padding not checked)',
    severity: 'high',
    explanation:
      'TLS requires every CBC padding byte to be checked; implementations that check only the last one (as SSLv3 did) give a man in the middle the POODLE padding oracle on TLS connections too (CVE-2014-8730).',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2014-8730',
  },
  ticketbleed: {
    id: 'ticketbleed',
    title: 'Ticketbleed (CVE-2016-9244)',
    severity: 'critical',
    explanation:
      'A vulnerable server answers a session ticket sent with a session id shorter than 32 bytes by echoing 32 bytes: the rest is its uninitialized memory, possibly other connections’ secrets.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2016-9244',
  },
} as const;

type Def = (typeof SESSION_DEFS)[keyof typeof SESSION_DEFS];

function make(def: Def, status: TlsWeakness['status'], detail: string): TlsWeakness {
  return { ...def, status, detail };
}

function alertName(d: number): string {
  return ALERT_NAMES[d] ?? `alert ${d}`;
}

/** Short words for an answer inside the session. */
function said(r: Received): string {
  if (r.kind === 'alert') return `${r.level === 1 ? 'warning' : 'fatal'} alert ${alertName(r.description)}`;
  if (r.kind === 'record')
    return `a ${r.type === ContentType.handshake ? 'handshake' : `type ${r.type}`} record`;
  if (r.kind === 'undecryptable') return 'a record that does not decrypt';
  return r.kind === 'closed' ? 'the connection closed' : 'no answer';
}

/** Renegotiations tried on one connection: more than the limits servers are known to set. */
const RENEGOTIATIONS = 10;

/** Renegotiation is started by a ClientHello sent as an encrypted handshake record inside the session. */
export async function clientRenegotiation(
  ctx: ProbeContext,
  table: SuiteTable,
  scan: RawScan,
  sni?: string,
): Promise<TlsWeakness> {
  const def = SESSION_DEFS.clientRenegotiation;
  const t = sessionTarget(scan.versions);
  if (!t) {
    const only13 = scan.versions.every(
      (v) => !v.supported || v.version === 'TLSv1.3' || v.version === 'SSLv3',
    );
    return only13
      ? make(def, 'not-applicable', 'no TLS 1.0–1.2: TLS 1.3 has no renegotiation')
      : make(
          def,
          'unknown',
          'no accepted suite this check can complete a handshake with (AES-CBC/GCM with ECDHE, DHE or RSA)',
        );
  }
  return withSession(ctx, table, { ...t, sni }, async (s) => {
    if ('failed' in s) return make(def, 'unknown', `the handshake could not be completed: ${s.failed}`);
    const secure = s.hello.extensions.has(0xff01);
    const at = `${s.version} ${s.suite.openssl ?? s.suite.name}`;
    const insecure = secure ? '' : ' — without secure renegotiation (RFC 5746), so insecurely';
    let done = 0;
    for (; done < RENEGOTIATIONS; done++) {
      const r = await s.renegotiate(ctx.timeoutMs);
      if (r.completed) continue;
      const what = r.answer ? said(r.answer) : (r.reason ?? 'no answer');
      if (done === 0 && !r.started)
        return make(def, 'ok', `a client ClientHello inside the session got ${what} (${at})`);
      if (done === 0)
        return make(
          def,
          'vulnerable',
          `the server answered a client ClientHello inside the session with a ServerHello${insecure} (${at}; the renegotiation then stopped: ${what})`,
        );
      // Node.js allows 3 per 10 minutes, F5 5, Stormshield 9 (testssl.sh's notes): a limit is a mitigation.
      return make(
        def,
        'ok',
        `mitigated: the server renegotiated ${done} time${done === 1 ? '' : 's'} on one connection, then ${what} (${at})`,
      );
    }
    return make(
      def,
      'vulnerable',
      `the server renegotiated ${done} times on one connection when asked${insecure} (${at})`,
    );
  });
}

/** A plaintext an HTTP server answers; other servers just see one unexpected line. */
const PROBE_REQUEST = Buffer.from('HEAD / HTTP/1.0\r\n\r\n', 'ascii');

export async function poodleTls(
  ctx: ProbeContext,
  table: SuiteTable,
  scan: RawScan,
  sni?: string,
): Promise<TlsWeakness> {
  const def = SESSION_DEFS.poodleTls;
  const cbc = scan.versions.some(
    (v) =>
      v.supported &&
      v.version !== 'SSLv3' &&
      v.version !== 'TLSv1.3' &&
      v.suites.some((s) => s.cipher.includes('CBC')),
  );
  if (!cbc) return make(def, 'not-applicable', 'no CBC suite is accepted in TLS 1.0–1.2');
  const t = sessionTarget(scan.versions, (s) => s.cipher.includes('CBC'));
  if (!t)
    return make(def, 'unknown', 'no accepted CBC suite this check can complete a handshake with (AES-CBC)');
  return withSession(ctx, table, { ...t, sni }, async (s) => {
    if ('failed' in s) return make(def, 'unknown', `the handshake could not be completed: ${s.failed}`);
    const at = `${s.version} ${s.suite.openssl ?? s.suite.name}`;
    s.send(ContentType.applicationData, PROBE_REQUEST, 'padding');
    const r = await s.next(ctx.timeoutMs);
    if (r.kind === 'alert' || r.kind === 'closed')
      return make(def, 'ok', `a record with wrong padding bytes (MAC intact) got ${said(r)} (${at})`);
    if (r.kind === 'record')
      return make(
        def,
        'vulnerable',
        `a record with wrong padding bytes (MAC intact) was accepted: the server answered it with ${r.data.length} bytes of ${r.type === ContentType.applicationData ? 'application data' : 'a record'} (${at})`,
      );
    if (r.kind === 'undecryptable')
      return make(def, 'unknown', `the server answered with ${said(r)} (${at})`);
    // Silence: accepted, or a server that never objects? A wrong MAC on the same connection tells.
    s.send(ContentType.applicationData, PROBE_REQUEST, 'mac');
    const control = await s.next(ctx.timeoutMs);
    if (control.kind === 'alert' || control.kind === 'closed')
      return make(
        def,
        'vulnerable',
        `a record with wrong padding bytes was accepted silently, while a wrong MAC then got ${said(control)} (${at})`,
      );
    return make(def, 'unknown', `no answer to wrong padding, and ${said(control)} to a wrong MAC (${at})`);
  });
}

/** Attempts at resumption with a short session id; testssl.sh makes three, so does this. */
const TICKETBLEED_TRIES = 3;
const SHORT_SESSION_ID = 16;

export async function ticketbleed(
  ctx: ProbeContext,
  table: SuiteTable,
  scan: RawScan,
  sni?: string,
): Promise<TlsWeakness> {
  const def = SESSION_DEFS.ticketbleed;
  const t = sessionTarget(scan.versions);
  if (!t)
    return make(
      def,
      'not-applicable',
      'no TLS 1.0–1.2 session this check can complete (TLS 1.3 tickets are not affected)',
    );
  const got = await withSession(ctx, table, { ...t, sni, sessionTicket: true }, async (s) =>
    'failed' in s ? { failed: s.failed } : { ticket: s.ticket, version: s.version, suite: s.suite.code },
  );
  if ('failed' in got) return make(def, 'unknown', `the handshake could not be completed: ${got.failed}`);
  if (!got.ticket || got.ticket.length === 0)
    return make(def, 'ok', `no session ticket issued at ${got.version}`);
  const ticket = got.ticket;
  const leaks: string[] = [];
  const answers: string[] = [];
  for (let i = 0; i < TICKETBLEED_TRIES; i++) {
    const sid = randomBytes(SHORT_SESSION_ID);
    const answer = await withHello(
      ctx,
      {
        version: got.version,
        suites: [got.suite],
        sni,
        sessionId: sid,
        sessionTicket: ticket,
        extendedMasterSecret: false,
      },
      'hello',
      (o) => {
        if (o.kind !== 'hello')
          return `refused (${o.kind === 'alert' ? alertName(o.alert.description) : o.kind})`;
        const back = Buffer.from(o.hello.sessionId);
        if (back.length > sid.length && back.subarray(0, sid.length).equals(sid)) {
          leaks.push(back.subarray(sid.length).toString('hex'));
          return `echoed ${back.length} bytes`;
        }
        if (back.equals(sid)) return 'resumed, session id echoed exactly';
        return 'full handshake (ticket not used)';
      },
    );
    answers.push(answer);
  }
  if (leaks.length > 0)
    return make(
      def,
      'vulnerable',
      `a ${SHORT_SESSION_ID}-byte session id with the server's ticket came back longer — the extra bytes are server memory: ${leaks.join(', ')}`,
    );
  return make(
    def,
    'ok',
    `${SHORT_SESSION_ID}-byte session id with a valid ticket, ${TICKETBLEED_TRIES} times: ${[...new Set(answers)].join('; ')}`,
  );
}
