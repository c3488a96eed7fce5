// The TLS 1.3 key schedule against RFC 8448 §3 ("Simple 1-RTT Handshake"): the published (EC)DHE secret
// and ClientHello…ServerHello hash in, the published secrets, keys and IVs out.
import { describe, expect, it } from 'vitest';
import {
  TLS13_SUITES,
  expandLabel,
  handshakeSecrets,
  hkdfExtract,
  messageHash,
  trafficKeys,
  transcriptHash,
} from '../../../src/main/engines/tls/tls13-key-schedule';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const aes128 = TLS13_SUITES.find((s) => s.code === 0x1301)!;

// RFC 8448 §3, the {server} and {client} handshake-secret steps.
const ECDHE = hex(
  '8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d',
);
const HELLO_HASH = hex(
  '86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8',
);
const EARLY = hex(
  '33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a',
);
const DERIVED = hex(
  '6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba',
);
const HS_SECRET = hex(
  '1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac',
);
const C_HS = hex(
  'b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21',
);
const S_HS = hex(
  'b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38',
);
const S_KEY = hex('3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc');
const S_IV = hex('5d 31 3e b2 67 12 76 ee 13 00 0b 30');

describe('TLS 1.3 key schedule (RFC 8448 §3)', () => {
  it('early secret and the "derived" secret from zeros', () => {
    const zeros = Buffer.alloc(32);
    const early = hkdfExtract('sha256', zeros, zeros);
    expect(early.toString('hex')).toBe(EARLY.toString('hex'));
    expect(expandLabel('sha256', early, 'derived', transcriptHash('sha256', []), 32).toString('hex')).toBe(
      DERIVED.toString('hex'),
    );
  });

  it('handshake secret and both handshake traffic secrets', () => {
    const s = handshakeSecrets('sha256', ECDHE, HELLO_HASH);
    expect(s.handshakeSecret.toString('hex')).toBe(HS_SECRET.toString('hex'));
    expect(s.clientHandshakeTraffic.toString('hex')).toBe(C_HS.toString('hex'));
    expect(s.serverHandshakeTraffic.toString('hex')).toBe(S_HS.toString('hex'));
  });

  it('the server handshake write key and IV', () => {
    const k = trafficKeys(aes128, S_HS);
    expect(k.key.toString('hex')).toBe(S_KEY.toString('hex'));
    expect(k.iv.toString('hex')).toBe(S_IV.toString('hex'));
  });

  it('SHA-384 suites expand to 48-byte secrets and 32-byte keys', () => {
    const aes256 = TLS13_SUITES.find((s) => s.code === 0x1302)!;
    const s = handshakeSecrets('sha384', Buffer.alloc(32, 1), transcriptHash('sha384', [Buffer.from('x')]));
    expect(s.serverHandshakeTraffic).toHaveLength(48);
    expect(trafficKeys(aes256, s.serverHandshakeTraffic).key).toHaveLength(32);
  });

  it('message_hash replaces the first ClientHello after a HelloRetryRequest (RFC 8446 §4.4.1)', () => {
    const ch1 = Buffer.from([1, 0, 0, 2, 3, 3]);
    const m = messageHash('sha256', ch1);
    expect([...m.subarray(0, 4)]).toEqual([254, 0, 0, 32]);
    expect(m.subarray(4)).toEqual(transcriptHash('sha256', [ch1]));
  });
});
