// Builds X.509 certificates in plain JS: keys and signatures from node:crypto (which Electron's BoringSSL
// also provides), the DER structure from @peculiar/asn1-x509. Used for the app's own self-signed
// certificate and for the test PKI. It deliberately knows nothing about validation or trust: a caller that
// asks for an expired or SHA-1-signed certificate gets exactly that.
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityInfoAccessSyntax,
  AccessDescription,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_OCSPSigning,
  id_kp_clientAuth,
  id_kp_serverAuth,
  id_pe_authorityInfoAccess,
  id_ad_ocsp,
  id_ad_caIssuers,
} from '@peculiar/asn1-x509';

export type KeySpec = 'ec-p256' | 'ec-p384' | 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096';
export type SignatureHash = 'md5' | 'sha1' | 'sha256' | 'sha384';

export interface IssuedKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spec: KeySpec;
}

export interface BuiltCertificate {
  certPem: string;
  keyPem: string;
  der: Uint8Array;
  key: IssuedKey;
  subjectName: Name;
  keyId: Uint8Array;
}

export interface CertificateSpec {
  commonName: string;
  organization?: string;
  key?: IssuedKey;
  keySpec?: KeySpec;
  /** Absent → self-signed. */
  issuer?: BuiltCertificate;
  notBefore?: Date;
  notAfter?: Date;
  serial?: Uint8Array;
  /** DNS names and IP literals; IPs are recognised and encoded as iPAddress. */
  altNames?: string[];
  ca?: boolean;
  pathLength?: number;
  extendedKeyUsage?: Array<'serverAuth' | 'clientAuth' | 'ocspSigning'>;
  signatureHash?: SignatureHash;
  ocspUrl?: string;
  caIssuersUrl?: string;
  crlUrl?: string;
}

const DAY = 86_400_000;

export function generateKey(spec: KeySpec): IssuedKey {
  const pair = spec.startsWith('ec-')
    ? generateKeyPairSync('ec', { namedCurve: spec === 'ec-p256' ? 'prime256v1' : 'secp384r1' })
    : generateKeyPairSync('rsa', { modulusLength: Number.parseInt(spec.slice(4), 10) });
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, spec };
}

function signatureAlgorithm(key: IssuedKey, hash: SignatureHash): AlgorithmIdentifier {
  if (key.spec.startsWith('ec-')) {
    // ECDSA was never defined with MD5 (RFC 5758 starts at SHA-1).
    if (hash === 'md5') throw new Error('ECDSA has no MD5 signature algorithm');
    const oid = { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3' }[
      hash
    ];
    return new AlgorithmIdentifier({ algorithm: oid });
  }
  const oid = {
    md5: '1.2.840.113549.1.1.4',
    sha1: '1.2.840.113549.1.1.5',
    sha256: '1.2.840.113549.1.1.11',
    sha384: '1.2.840.113549.1.1.12',
  }[hash];
  return new AlgorithmIdentifier({ algorithm: oid, parameters: null });
}

function buildName(commonName: string, organization?: string): Name {
  const rdns: RelativeDistinguishedName[] = [];
  if (organization) {
    rdns.push(
      new RelativeDistinguishedName([
        new AttributeTypeAndValue({
          type: '2.5.4.10',
          value: new AttributeValue({ utf8String: organization }),
        }),
      ]),
    );
  }
  rdns.push(
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: commonName }) }),
    ]),
  );
  return new Name(rdns);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function positiveSerial(): Uint8Array {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive and without a leading zero byte
  return serial;
}

export function buildCertificate(spec: CertificateSpec): BuiltCertificate {
  const key = spec.key ?? generateKey(spec.keySpec ?? 'ec-p256');
  const signer = spec.issuer?.key ?? key;
  const hash = spec.signatureHash ?? 'sha256';
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  const keyId = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
  const subjectName = buildName(spec.commonName, spec.organization);
  const notBefore = spec.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = spec.notAfter ?? new Date(Date.now() + 365 * DAY);
  const algorithm = signatureAlgorithm(signer, hash);

  const exts: Extension[] = [];
  exts.push(
    extension(
      id_ce_basicConstraints,
      true,
      new BasicConstraints({
        cA: spec.ca ?? false,
        pathLenConstraint: spec.ca ? spec.pathLength : undefined,
      }),
    ),
  );
  const usage = spec.ca
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
    : KeyUsageFlags.digitalSignature | (key.spec.startsWith('rsa') ? KeyUsageFlags.keyEncipherment : 0);
  exts.push(extension(id_ce_keyUsage, true, new KeyUsage(usage)));
  if (!spec.ca) {
    const ekus = (spec.extendedKeyUsage ?? ['serverAuth', 'clientAuth']).map((u) =>
      u === 'serverAuth' ? id_kp_serverAuth : u === 'clientAuth' ? id_kp_clientAuth : id_kp_OCSPSigning,
    );
    exts.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(ekus)));
  }
  exts.push(extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId))));
  const authorityKeyId = spec.issuer?.keyId ?? keyId;
  exts.push(
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(authorityKeyId)) }),
    ),
  );
  if (spec.altNames && spec.altNames.length > 0) {
    const names = spec.altNames.map((n) =>
      isIP(n) ? new GeneralName({ iPAddress: n }) : new GeneralName({ dNSName: n }),
    );
    exts.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(names)));
  }
  const access: AccessDescription[] = [];
  if (spec.ocspUrl)
    access.push(
      new AccessDescription({
        accessMethod: id_ad_ocsp,
        accessLocation: new GeneralName({ uniformResourceIdentifier: spec.ocspUrl }),
      }),
    );
  if (spec.caIssuersUrl)
    access.push(
      new AccessDescription({
        accessMethod: id_ad_caIssuers,
        accessLocation: new GeneralName({ uniformResourceIdentifier: spec.caIssuersUrl }),
      }),
    );
  if (access.length > 0)
    exts.push(extension(id_pe_authorityInfoAccess, false, new AuthorityInfoAccessSyntax(access)));
  if (spec.crlUrl) {
    const dp = new DistributionPoint({
      distributionPoint: new DistributionPointName({
        fullName: [new GeneralName({ uniformResourceIdentifier: spec.crlUrl })],
      }),
    });
    exts.push(extension(id_ce_cRLDistributionPoints, false, new CRLDistributionPoints([dp])));
  }

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(spec.serial ?? positiveSerial()),
    signature: algorithm,
    issuer: spec.issuer?.subjectName ?? subjectName,
    validity: new Validity({ notBefore, notAfter }),
    subject: subjectName,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(exts),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign(hash, tbsDer, signer.privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: toArrayBuffer(signature),
  });
  const der = new Uint8Array(AsnConvert.serialize(cert));
  return {
    certPem: derToPem(der, 'CERTIFICATE'),
    keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    der,
    key,
    subjectName,
    keyId,
  };
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The public key of a PEM private key, for checking that a stored pair belongs together. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
