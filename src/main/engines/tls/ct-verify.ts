// SCT verification (RFC 6962 §3.2): each SCT's signature is checked with its log's key over the
// digitally-signed struct the log signed — version, signature type, timestamp, entry type, the entry and
// the SCT's extensions. An SCT delivered by TLS or in an OCSP response covers the leaf itself
// (x509_entry); one embedded in the certificate covers the precertificate (precert_entry): the SHA-256
// of the issuer's SubjectPublicKeyInfo and the leaf's TBSCertificate without the SCT-list extension. That
// TBSCertificate is cut out of the leaf's own bytes rather than re-encoded, so that whatever encoding
// the CA chose is kept exactly as the log saw it.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { TlsSct, TlsSctIssue } from '../../../shared/contract/tls';
import { describeLog, type CtLogEntry, type CtLogList } from './ct-logs';
import { children, readTlv, type Tlv } from './der';

const SCT_LIST_OID_DER = Buffer.from('060a2b06010401d679020402', 'hex'); // 1.3.6.1.4.1.11129.2.4.2

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function wrap(tag: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** The TBSCertificate element and its children, from a certificate's DER. */
function tbsOf(certDer: Uint8Array): { tbs: Tlv; parts: Tlv[] } {
  const cert = readTlv(certDer, 0);
  const tbs = children(certDer, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new Error('no TBSCertificate');
  return { tbs, parts: children(certDer, tbs) };
}

/** The issuer's SubjectPublicKeyInfo, as its certificate encodes it. */
export function spkiOf(certDer: Uint8Array): Uint8Array {
  const { parts } = tbsOf(certDer);
  // [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const spki = parts[parts[0]?.tag === 0xa0 ? 6 : 5];
  if (!spki || spki.tag !== 0x30) throw new Error('no SubjectPublicKeyInfo');
  return certDer.subarray(spki.start, spki.end);
}

/**
 * The leaf's TBSCertificate with the SCT-list extension taken out (the precertificate's TBSCertificate as
 * the log signed it, RFC 6962 §3.2): the other bytes are kept and only the enclosing lengths change.
 */
export function precertTbs(leafDer: Uint8Array): Uint8Array {
  const { parts } = tbsOf(leafDer);
  const out: Uint8Array[] = [];
  let removed = false;
  for (const part of parts) {
    if (part.tag !== 0xa3) {
      out.push(leafDer.subarray(part.start, part.end));
      continue;
    }
    const list = children(leafDer, part)[0];
    if (!list) throw new Error('empty extensions');
    const kept = children(leafDer, list).filter((ext) => {
      const oid = children(leafDer, ext)[0];
      const isSct =
        oid !== undefined && Buffer.from(leafDer.subarray(oid.start, oid.end)).equals(SCT_LIST_OID_DER);
      removed ||= isSct;
      return !isSct;
    });
    if (kept.length > 0)
      out.push(wrap(0xa3, wrap(0x30, Buffer.concat(kept.map((e) => leafDer.subarray(e.start, e.end))))));
  }
  if (!removed) throw new Error('the certificate has no SCT list extension');
  return wrap(0x30, Buffer.concat(out));
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** The bytes an SCT's signature covers (RFC 6962 §3.2 digitally-signed struct). */
export function signedData(
  sct: Pick<TlsSct, 'timestamp' | 'extensions'>,
  entry:
    { kind: 'x509'; certDer: Uint8Array } | { kind: 'precert'; issuerKeyHash: Uint8Array; tbs: Uint8Array },
): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(Date.parse(sct.timestamp)));
  const ext = sct.extensions ? Buffer.from(sct.extensions, 'base64') : Buffer.alloc(0);
  const signedEntry =
    entry.kind === 'x509'
      ? Buffer.concat([Buffer.from([0, 0]), u24(entry.certDer.length), entry.certDer])
      : Buffer.concat([Buffer.from([0, 1]), entry.issuerKeyHash, u24(entry.tbs.length), entry.tbs]);
  return Buffer.concat([
    Buffer.from([0, 0]), // sct_version v1, signature_type certificate_timestamp
    ts,
    signedEntry,
    Buffer.from([ext.length >> 8, ext.length & 0xff]),
    ext,
  ]);
}

export interface CtVerifyInput {
  /** The leaf as the server sent it. */
  leafDer?: Uint8Array;
  /** Its issuer (needed for embedded SCTs only). */
  issuerDer?: Uint8Array;
  logs: CtLogList;
  /** Time of the check (ms). */
  now: number;
}

type Verdict = Pick<TlsSct, 'verification' | 'verificationDetail'>;

function checkSignature(
  sct: TlsSct,
  log: CtLogEntry,
  input: CtVerifyInput,
  precert: () => Uint8Array,
): Verdict {
  if (!input.leafDer)
    return { verification: 'unverifiable', verificationDetail: 'the leaf certificate is not known' };
  if (sct.signatureAlgorithm !== 'ecdsa-sha256' && sct.signatureAlgorithm !== 'rsa-sha256')
    return {
      verification: 'unverifiable',
      verificationDetail: `signature algorithm ${sct.signatureAlgorithm ?? 'unknown'}: RFC 6962 allows only ECDSA or RSA with SHA-256`,
    };
  if (!sct.signature) return { verification: 'failed', verificationDetail: 'the SCT has no signature' };
  let data: Buffer;
  if (sct.source === 'certificate') {
    if (!input.issuerDer)
      return {
        verification: 'unverifiable',
        verificationDetail:
          "the issuer certificate is not known, and an embedded SCT is signed over the issuer's key",
      };
    try {
      const issuerKeyHash = createHash('sha256').update(spkiOf(input.issuerDer)).digest();
      data = signedData(sct, { kind: 'precert', issuerKeyHash, tbs: precert() });
    } catch (err) {
      return {
        verification: 'unverifiable',
        verificationDetail: `the certificate cannot be taken apart: ${(err as Error).message}`,
      };
    }
  } else data = signedData(sct, { kind: 'x509', certDer: input.leafDer });
  let ok: boolean;
  try {
    const key = createPublicKey({ key: Buffer.from(log.key, 'base64'), format: 'der', type: 'spki' });
    const kind =
      key.asymmetricKeyType === 'ec'
        ? 'ecdsa'
        : key.asymmetricKeyType === 'rsa'
          ? 'rsa'
          : key.asymmetricKeyType;
    if (!sct.signatureAlgorithm.startsWith(`${kind}-`))
      return {
        verification: 'failed',
        verificationDetail: `signed with ${sct.signatureAlgorithm}, but the log's key is ${kind ?? 'unknown'}`,
      };
    ok = verify('sha256', data, key, Buffer.from(sct.signature, 'base64'));
  } catch (err) {
    return {
      verification: 'failed',
      verificationDetail: `the signature cannot be checked: ${(err as Error).message}`,
    };
  }
  return ok
    ? {
        verification: 'verified',
        verificationDetail:
          sct.source === 'certificate'
            ? "the log's key verifies it over the precertificate (issuer key hash and TBSCertificate)"
            : "the log's key verifies it over the certificate",
      }
    : {
        verification: 'failed',
        verificationDetail:
          "the signature does not verify with the log's key: the SCT was made for another certificate, or it or the certificate was altered",
      };
}

function issuesOf(
  sct: TlsSct,
  log: CtLogEntry,
  input: CtVerifyInput,
  notAfter: number | undefined,
): TlsSctIssue[] {
  const at = Date.parse(sct.timestamp);
  const issues: TlsSctIssue[] = [];
  if (at > input.now)
    issues.push({
      code: 'future-timestamp',
      message: `the timestamp ${sct.timestamp} lies in the future: Chrome rejects such SCTs`,
    });
  const since = log.stateAt ? ` since ${log.stateAt}` : '';
  if (log.state === 'retired' && log.stateAt && Date.parse(log.stateAt) <= at)
    issues.push({
      code: 'after-retirement',
      message: `the log was retired at ${log.stateAt}, before this SCT's timestamp`,
    });
  if (log.state === 'rejected' || log.state === 'pending' || !log.state)
    issues.push({
      code: 'log-not-trusted',
      message: !log.state
        ? 'Chrome lists this log without a state: it is not trusted for CT compliance'
        : log.state === 'pending'
          ? `the log is pending${since}: not yet trusted by Chrome`
          : log.end && Date.parse(log.end) <= input.now
            ? `the log's shard ended on ${log.end} and Chrome lists it as rejected${since}`
            : `Chrome lists the log as rejected${since}: its SCTs do not count`,
    });
  if (
    notAfter !== undefined &&
    log.start &&
    log.end &&
    (notAfter < Date.parse(log.start) || notAfter >= Date.parse(log.end))
  )
    issues.push({
      code: 'outside-interval',
      message: `the certificate expires outside the log's interval ${log.start} – ${log.end}: the log should not have accepted it`,
    });
  if (log.type === 'test')
    issues.push({ code: 'test-log', message: 'a test log, not for production certificates' });
  return issues;
}

/** The SCTs with their logs named, signatures checked and anything amiss listed. */
export function verifyScts(scts: TlsSct[], input: CtVerifyInput, notAfter?: number): TlsSct[] {
  let tbs: Uint8Array | undefined;
  // One precertificate TBS serves every embedded SCT.
  const precert = () => (tbs ??= precertTbs(input.leafDer ?? new Uint8Array()));
  return scts.map((sct) => {
    const log = input.logs.logs.get(sct.logId);
    if (!log)
      return {
        ...sct,
        verification: 'unknown-log',
        verificationDetail: `the log is not in the bundled CT log list (snapshot ${input.logs.snapshot}): a newer log, a test log, or none Chrome knows`,
        ...(Date.parse(sct.timestamp) > input.now
          ? {
              issues: [
                {
                  code: 'future-timestamp' as const,
                  message: `the timestamp ${sct.timestamp} lies in the future`,
                },
              ],
            }
          : {}),
      };
    const issues = issuesOf(sct, log, input, notAfter);
    return {
      ...sct,
      log: describeLog(log),
      ...checkSignature(sct, log, input, precert),
      ...(issues.length ? { issues } : {}),
    };
  });
}
