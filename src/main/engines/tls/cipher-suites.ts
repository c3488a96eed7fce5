// The cipher-suite table: IANA code points and names (cipher-suite-data.ts) with what each name means —
// key exchange, authentication, bulk cipher and its effective strength, MAC — and the OpenSSL name,
// derived by OpenSSL's naming rules (checked against node's own list in tests/unit/tls). The strength
// verdict here is the one the weakness checks and the grade use; they do not re-derive it.
import { IANA_CIPHER_SUITES } from './cipher-suite-data';

export type SuiteStrength = 'insecure' | 'weak' | 'strong';

export interface CipherSuite {
  code: number;
  /** e.g. "0xC02F" */
  hex: string;
  name: string;
  openssl?: string;
  kx: string;
  auth: string;
  cipher: string;
  /** Effective symmetric strength in bits (3DES counts as 112, export ciphers as 40/56). */
  bits: number;
  mac: string;
  aead: boolean;
  forwardSecret: boolean;
  tls13: boolean;
  export: boolean;
  anonymous: boolean;
  nullCipher: boolean;
  rc4: boolean;
  tripleDes: boolean;
  strength: SuiteStrength;
}

const MACS = new Set(['MD5', 'SHA', 'SHA256', 'SHA384', 'SM3', 'NULL']);

function cipherBits(cipher: string, isExport: boolean): number {
  if (cipher === 'NULL') return 0;
  if (cipher.startsWith('3DES')) return 112;
  if (cipher.includes('40')) return 40;
  if (cipher.startsWith('DES')) return isExport ? 40 : 56;
  if (cipher.startsWith('RC4_56')) return 56;
  if (cipher.startsWith('CHACHA20')) return 256;
  if (cipher.startsWith('IDEA') || cipher.startsWith('SEED') || cipher.startsWith('SM4')) return 128;
  const m = /_(\d+)/.exec(cipher);
  return m ? Number(m[1]) : 0;
}

const OPENSSL_PREFIX: Record<string, string> = {
  RSA: '',
  ECDHE_RSA: 'ECDHE-RSA-',
  ECDHE_ECDSA: 'ECDHE-ECDSA-',
  DHE_RSA: 'DHE-RSA-',
  DHE_DSS: 'DHE-DSS-',
  DH_anon: 'ADH-',
  ECDH_anon: 'AECDH-',
  ECDH_RSA: 'ECDH-RSA-',
  ECDH_ECDSA: 'ECDH-ECDSA-',
  DH_RSA: 'DH-RSA-',
  DH_DSS: 'DH-DSS-',
  PSK: 'PSK-',
  DHE_PSK: 'DHE-PSK-',
  PSK_DHE: 'DHE-PSK-',
  RSA_PSK: 'RSA-PSK-',
  ECDHE_PSK: 'ECDHE-PSK-',
  SRP_SHA: 'SRP-',
  SRP_SHA_RSA: 'SRP-RSA-',
  SRP_SHA_DSS: 'SRP-DSS-',
};

/** OpenSSL's name for a suite, or undefined for families OpenSSL never named (KRB5, ECCPWD, GOST…). */
function opensslName(kxPart: string, cipher: string, mac: string, old: boolean): string | undefined {
  const prefix = OPENSSL_PREFIX[kxPart];
  if (prefix === undefined) return undefined;
  const psk = kxPart.includes('PSK');
  const srp = kxPart.startsWith('SRP');
  let body: string;
  const block = /^(AES|CAMELLIA|ARIA)_(\d+)_(CBC|GCM|CCM_8|CCM)$/.exec(cipher);
  if (block) {
    const [, alg, bits, mode] = block;
    if (srp) body = `${alg}-${bits}-CBC-${mac}`;
    else if (mode === 'CBC') body = `${alg}${bits}-${psk && alg === 'AES' ? 'CBC-' : ''}${mac}`;
    else if (mode === 'GCM') body = `${alg}${bits}-GCM-${mac}`;
    else body = `${alg}${bits}-${mode === 'CCM_8' ? 'CCM8' : 'CCM'}`;
  } else if (cipher === 'CHACHA20_POLY1305') body = `CHACHA20-POLY1305${old ? '-OLD' : ''}`;
  else if (cipher === '3DES_EDE_CBC') {
    if (kxPart === 'DHE_RSA') return 'EDH-RSA-DES-CBC3-SHA';
    if (kxPart === 'DHE_DSS') return 'EDH-DSS-DES-CBC3-SHA';
    body = srp ? `3DES-EDE-CBC-${mac}` : psk ? `3DES-EDE-CBC-${mac}` : `DES-CBC3-${mac}`;
  } else if (cipher === 'DES_CBC' || cipher === 'DES40_CBC') {
    if (kxPart === 'DHE_RSA') return 'EDH-RSA-DES-CBC-SHA';
    if (kxPart === 'DHE_DSS') return 'EDH-DSS-DES-CBC-SHA';
    body = `DES-CBC-${mac}`;
  } else if (cipher === 'RC4_128' || cipher === 'RC4_40' || cipher === 'RC4_56') body = `RC4-${mac}`;
  else if (cipher === 'RC2_CBC_40') body = `RC2-CBC-${mac}`;
  else if (cipher === 'SEED_CBC') body = `SEED-${mac}`;
  else if (cipher === 'IDEA_CBC') body = `IDEA-CBC-${mac}`;
  else if (cipher === 'NULL') body = `NULL-${mac}`;
  else return undefined;
  return `${prefix}${body}`;
}

function classify(s: Omit<CipherSuite, 'strength'>): SuiteStrength {
  if (s.nullCipher || s.export || s.anonymous || s.rc4 || s.bits < 112 || s.mac === 'MD5') return 'insecure';
  if (s.tripleDes || !s.forwardSecret || !s.aead || s.kx === 'PSK' || s.auth === 'PSK') return 'weak';
  return 'strong';
}

function parse(code: number, fullName: string): CipherSuite {
  const old = fullName.startsWith('OLD_');
  const name = old ? fullName.slice(4) : fullName;
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const bare = name.replace(/^TLS_/, '');
  const withAt = bare.indexOf('_WITH_');
  let kxPart: string;
  let rest: string;
  let tls13 = false;
  if (withAt >= 0) {
    kxPart = bare.slice(0, withAt);
    rest = bare.slice(withAt + 6);
  } else {
    // TLS 1.3 suites name only the AEAD and the hash; TLS_SHA256_SHA256 is integrity-only (RFC 9150).
    tls13 = true;
    kxPart = 'ANY';
    rest = bare;
  }
  const isExport = kxPart.includes('EXPORT');
  const kxClean = kxPart.replace(/_EXPORT(1024)?$/, '').replace(/_EXPORT$/, '');
  const tokens = rest.split('_');
  let mac = 'AEAD';
  const last = tokens[tokens.length - 1] ?? '';
  if (MACS.has(last) && !(tokens.length === 1)) {
    mac = last;
    tokens.pop();
  }
  let cipher = tokens.join('_');
  if (tls13 && /^SHA\d+$/.test(cipher)) cipher = 'NULL';
  const aead = /GCM|CCM|POLY1305/.test(cipher);
  if (aead && mac === 'SHA') mac = 'AEAD';
  const first = kxClean.split('_')[0] ?? '';
  const anonymous = kxClean.includes('anon') || kxClean === 'NULL';
  let auth: string;
  if (tls13) auth = 'ANY';
  else if (anonymous) auth = 'anon';
  else if (kxClean.includes('ECDSA')) auth = 'ECDSA';
  else if (kxClean.includes('DSS')) auth = 'DSS';
  else if (kxClean.includes('PSK')) auth = 'PSK';
  else if (kxClean === 'SRP_SHA') auth = 'SRP';
  else if (first === 'KRB5' || first === 'ECCPWD') auth = first;
  else auth = 'RSA';
  let kx = tls13 ? 'ANY' : first;
  if (kxClean === 'PSK_DHE') kx = 'DHE';
  const forwardSecret = tls13 || kx === 'DHE' || kx === 'ECDHE' || kx === 'ECCPWD';
  const bits = cipherBits(cipher, isExport);
  const base = {
    code,
    hex,
    name: fullName,
    openssl: tls13
      ? cipher === 'NULL'
        ? undefined
        : name
      : opensslName(kxClean, cipher, mac === 'AEAD' ? '' : mac, old),
    kx,
    auth,
    cipher,
    bits,
    mac,
    aead,
    forwardSecret,
    tls13,
    export: isExport,
    anonymous,
    nullCipher: cipher === 'NULL',
    rc4: cipher.startsWith('RC4'),
    tripleDes: cipher.startsWith('3DES'),
  };
  if (base.openssl && isExport) base.openssl = `EXP-${base.openssl}`;
  // OpenSSL's one irregular family: ECDHE-RSA with ARIA-GCM drops the "RSA".
  if (base.openssl?.startsWith('ECDHE-RSA-ARIA') && base.openssl.includes('-GCM-'))
    base.openssl = base.openssl.replace('ECDHE-RSA-', 'ECDHE-');
  if (base.openssl?.endsWith('-')) base.openssl = base.openssl.slice(0, -1);
  return { ...base, strength: classify(base) };
}

export interface SuiteTable {
  readonly all: readonly CipherSuite[];
  byCode(code: number): CipherSuite | undefined;
  byName(name: string): CipherSuite | undefined;
}

/** Builds the table once per caller (the engine keeps one); there is no shared module-level instance. */
export function buildSuiteTable(): SuiteTable {
  const all: CipherSuite[] = [];
  for (const line of IANA_CIPHER_SUITES.split('\n')) {
    const m = /^([0-9A-F]{4}) (\S+)$/.exec(line.trim());
    if (m) all.push(parse(Number.parseInt(m[1] ?? '', 16), m[2] ?? ''));
  }
  const codes = new Map(all.map((s) => [s.code, s]));
  const names = new Map<string, CipherSuite>();
  for (const s of all) {
    names.set(s.name.toUpperCase(), s);
    if (s.openssl) names.set(s.openssl.toUpperCase(), s);
  }
  return {
    all,
    byCode: (code) => codes.get(code),
    byName: (name) => names.get(name.toUpperCase()),
  };
}

/** A description for code points the table does not know (GREASE, private use). */
export function unknownSuite(code: number): CipherSuite {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    code,
    hex,
    name: `UNKNOWN_${hex}`,
    kx: '?',
    auth: '?',
    cipher: '?',
    bits: 0,
    mac: '?',
    aead: false,
    forwardSecret: false,
    tls13: false,
    export: false,
    anonymous: false,
    nullCipher: false,
    rc4: false,
    tripleDes: false,
    strength: 'weak',
  };
}
