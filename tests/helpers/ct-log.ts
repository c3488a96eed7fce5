// A CT log of the tests' own: a key pair, SCTs signed with it (RFC 6962 §3.2, serialised here by hand
// and independently of the inspector's code), and certificates that carry them embedded, built as a CA
// would: the log signs the precertificate's TBSCertificate, then the SCT list extension is added and the
// certificate signed again by its issuer.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, Extension } from '@peculiar/asn1-x509';
import { derToPem, type BuiltCertificate } from '../../src/main/engines/common/x509-builder';
import { ctLogListFrom, type CtLogEntry, type CtLogList } from '../../src/main/engines/tls/ct-logs';

export interface TestCtLog {
  entry: CtLogEntry;
  privateKey: KeyObject;
}

export function createTestLog(
  name: string,
  operator: string,
  extra: Partial<CtLogEntry> = {},
  kind: 'ec' | 'rsa' = 'ec',
): TestCtLog {
  const pair =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey: pair.privateKey,
    entry: {
      id: createHash('sha256').update(spki).digest('base64'),
      key: spki.toString('base64'),
      name,
      operator,
      state: 'usable',
      stateAt: '2024-01-01T00:00:00Z',
      url: `https://ct.invalid/${name}/`,
      ...extra,
    },
  };
}

export function testLogList(logs: TestCtLog[], snapshot = new Date().toISOString()): CtLogList {
  return ctLogListFrom({
    format: 1,
    sources: [{ url: 'test', snapshot, logs: logs.length }],
    logs: logs.map((l) => l.entry),
  });
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

export type SignedEntry =
  { kind: 'x509'; certDer: Uint8Array } | { kind: 'precert'; issuer: BuiltCertificate; tbs: Uint8Array };

/** One serialised SCT (without its list length prefix). */
export function signSct(
  log: TestCtLog,
  entry: SignedEntry,
  at: number,
  extensions = Buffer.alloc(0),
): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(at));
  const body =
    entry.kind === 'x509'
      ? Buffer.concat([u16(0), u24(entry.certDer.length), entry.certDer])
      : Buffer.concat([
          u16(1),
          createHash('sha256')
            .update(entry.issuer.key.publicKey.export({ type: 'spki', format: 'der' }))
            .digest(),
          u24(entry.tbs.length),
          entry.tbs,
        ]);
  const signed = Buffer.concat([Buffer.from([0, 0]), ts, body, u16(extensions.length), extensions]);
  const signature = sign('sha256', signed, log.privateKey);
  const sigAlg = log.privateKey.asymmetricKeyType === 'ec' ? 3 : 1;
  return Buffer.concat([
    Buffer.from([0]),
    Buffer.from(log.entry.id, 'base64'),
    ts,
    u16(extensions.length),
    extensions,
    Buffer.from([4, sigAlg]),
    u16(signature.length),
    signature,
  ]);
}

/** A SignedCertificateTimestampList of the given SCTs. */
export function sctList(scts: Buffer[]): Buffer {
  const entries = Buffer.concat(scts.map((s) => Buffer.concat([u16(s.length), s])));
  return Buffer.concat([u16(entries.length), entries]);
}

/** The DER TBSCertificate of a certificate (what a log signs for a precertificate). */
export function tbsOf(certDer: Uint8Array): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(AsnConvert.parse(certDer, Certificate).tbsCertificate));
}

/**
 * `cert` (issued by `issuer`, no SCTs yet) with an SCT list extension holding one SCT per entry of
 * `logs`, each signed over its TBSCertificate; the extension goes in the middle of the others, where a
 * CA's precertificate poison would have been. `sign` may tamper with the SCTs before they are embedded.
 */
export function withEmbeddedScts(
  cert: BuiltCertificate,
  issuer: BuiltCertificate,
  logs: Array<{ log: TestCtLog; at: number }>,
  tamper: (scts: Buffer[]) => Buffer[] = (s) => s,
): BuiltCertificate & { precertTbs: Uint8Array } {
  const precertTbs = tbsOf(cert.der);
  const scts = tamper(
    logs.map(({ log, at }) => signSct(log, { kind: 'precert', issuer, tbs: precertTbs }, at)),
  );
  const parsed = AsnConvert.parse(cert.der, Certificate);
  const exts = parsed.tbsCertificate.extensions;
  if (!exts) throw new Error('certificate without extensions');
  exts.splice(
    2,
    0,
    new Extension({
      extnID: '1.3.6.1.4.1.11129.2.4.2',
      critical: false,
      extnValue: new OctetString(AsnConvert.serialize(new OctetString(sctList(scts)))),
    }),
  );
  const tbsDer = Buffer.from(AsnConvert.serialize(parsed.tbsCertificate));
  const signature = sign('sha256', tbsDer, issuer.key.privateKey);
  const final = new Certificate({
    tbsCertificate: parsed.tbsCertificate,
    signatureAlgorithm: parsed.signatureAlgorithm,
    signatureValue: signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.length,
    ) as ArrayBuffer,
  });
  const der = new Uint8Array(AsnConvert.serialize(final));
  return { ...cert, der, certPem: derToPem(der, 'CERTIFICATE'), precertTbs };
}

/** The logs as Chrome's log list (schema v3) would list them, one operator per distinct name. */
export function v3LogList(logs: TestCtLog[], timestamp = new Date().toISOString()): object {
  const operators = [...new Set(logs.map((l) => l.entry.operator))];
  return {
    version: '1.0',
    log_list_timestamp: timestamp,
    operators: operators.map((name) => ({
      name,
      email: ['ct@example.invalid'],
      logs: logs
        .filter((l) => l.entry.operator === name)
        .map(({ entry: e }) => ({
          description: e.name,
          log_id: e.id,
          key: e.key,
          url: e.url,
          mmd: 86400,
          ...(e.state ? { state: { [e.state]: { timestamp: e.stateAt } } } : {}),
        })),
    })),
  };
}
