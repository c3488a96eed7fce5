// Revocation lookups and SCTs against local services: an `openssl ocsp` responder (index file with the
// leaf good or revoked), a node:http server serving a CRL signed by the test intermediate, and
// `openssl s_server -serverinfo` sending SCTs in the TLS extension. Loopback only.
import { spawn } from 'node:child_process';
import { sign } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  CertificateList,
  RevokedCertificate,
  TBSCertList,
  Time,
} from '@peculiar/asn1-x509';
import { closeServer, listen } from '../../../src/main/engines/common/net';
import { buildCertificate, type BuiltCertificate } from '../../../src/main/engines/common/x509-builder';
import { TlsInspector } from '../../../src/main/engines/tls/inspector';
import { parseSctList } from '../../../src/main/engines/tls/sct';
import { TlsInspectInput, type TlsReport } from '../../../src/shared/contract/tls';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { inspect, inspector, problemCodes, tlsServer } from './helpers';
import { buildOcspResponse } from './ocsp-helper';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const DAY = 86_400_000;
let serialSeq = 0;
/** A fixed serial, so the responder's index can name the leaf before it is built. */
const newSerial = () => Uint8Array.from([0x51, 0x7e, process.pid & 0xff, ++serialSeq]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';

/** `openssl ocsp` answering for the test intermediate, with the given serials good or revoked. */
async function ocspResponder(entries: Array<{ serial: Uint8Array; revoked: boolean }>): Promise<number> {
  const expiry = asn1Time(new Date(Date.now() + 365 * DAY));
  const revokedAt = asn1Time(new Date(Date.now() - DAY));
  const index = entries
    .map(
      (e) =>
        `${e.revoked ? 'R' : 'V'}\t${expiry}\t${e.revoked ? revokedAt : ''}\t${hex(e.serial)}\tunknown\t/CN=localhost`,
    )
    .join('\n');
  const n = ++serialSeq;
  const child = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      pki.file(`index-${n}.txt`, `${index}\n`),
      '-port',
      '0',
      '-CA',
      pki.file(`ocsp-ca-${n}.pem`, pki.intermediate.certPem),
      '-rsigner',
      pki.file(`ocsp-signer-${n}.pem`, pki.intermediate.certPem),
      '-rkey',
      pki.file(`ocsp-key-${n}.pem`, pki.intermediate.keyPem),
      '-nmin',
      '60',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ACCEPT \S*:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => reject(new Error(`openssl ocsp exited: ${out}`)));
  });
}

/** A DER CRL of the test intermediate listing `revoked`. */
function buildCrl(
  issuer: BuiltCertificate,
  revoked: Uint8Array[],
  nextUpdate = new Date(Date.now() + 7 * DAY),
) {
  const tbs = new TBSCertList({
    version: 1,
    signature: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    issuer: issuer.subjectName,
    thisUpdate: new Time(new Date(Date.now() - 60_000)),
    nextUpdate: new Time(nextUpdate),
    revokedCertificates: revoked.length
      ? revoked.map(
          (s) =>
            new RevokedCertificate({
              userCertificate: s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer,
              revocationDate: new Time(new Date(Date.now() - DAY)),
            }),
        )
      : undefined,
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, issuer.key.privateKey);
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.byteLength,
    ) as ArrayBuffer,
  });
  return Buffer.from(AsnConvert.serialize(crl));
}

/** An HTTP server on 127.0.0.1 port 0 serving `body` at any path; counts the requests. */
async function crlServer(body: Buffer): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length });
    res.end(body);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => {
    server.closeAllConnections();
    return closeServer(server);
  });
  return { port, hits: () => hits };
}

function leafWith(serial: Uint8Array, urls: { ocspUrl?: string; crlUrl?: string }): BuiltCertificate {
  return buildCertificate(
    leafSpec(pki.intermediate, {
      serial,
      ocspUrl: urls.ocspUrl,
      crlUrl: urls.crlUrl,
      caIssuersUrl: undefined,
    }),
  );
}

async function inspectLeaf(leaf: BuiltCertificate, extra: object = {}, i = inspector()): Promise<TlsReport> {
  const port = await tlsServer({ cert: pki.chain(leaf), key: leaf.keyPem });
  return inspect(i, {
    target: `localhost:${port}`,
    caPem: pki.root.certPem,
    checkRevocation: true,
    ...extra,
  });
}

describe.skipIf(!hasOpenssl)('OCSP responder (openssl ocsp)', () => {
  it('a revoked leaf: the responder says so in a signed answer → problem revoked, grade T', async () => {
    const serial = newSerial();
    const port = await ocspResponder([{ serial, revoked: true }]);
    const url = `http://127.0.0.1:${port}/`;
    const r = await inspectLeaf(leafWith(serial, { ocspUrl: url }));
    expect(r.revocation).toEqual([
      expect.objectContaining({ method: 'ocsp', url, ok: true, status: 'revoked', signature: 'valid' }),
    ]);
    expect(r.revocation![0]!.revokedAt).toBeDefined();
    expect(problemCodes(r)).toContain('revoked');
    expect(r.grade.grade).toBe('T');
    expect(r.validation.problems.find((p) => p.code === 'revoked')!.message).toContain(url);
  });

  it('a good leaf: no problem, and the answer is listed with its signer and dates', async () => {
    const serial = newSerial();
    const port = await ocspResponder([{ serial, revoked: false }]);
    const r = await inspectLeaf(leafWith(serial, { ocspUrl: `http://127.0.0.1:${port}/` }));
    expect(r.revocation![0]).toMatchObject({
      ok: true,
      status: 'good',
      signedBy: expect.stringContaining('issuer'),
    });
    expect(r.revocation![0]!.nextUpdate).toBeDefined();
    expect(problemCodes(r)).not.toContain('revoked');
    expect(r.grade.grade).not.toBe('T');
  });
});

describe('CRL', () => {
  it('a CRL listing the leaf → revoked, grade T; one not listing it → good', async () => {
    const bad = newSerial();
    const good = newSerial();
    const srv = await crlServer(buildCrl(pki.intermediate, [bad]));
    const url = `http://127.0.0.1:${srv.port}/intermediate.crl`;
    const revoked = await inspectLeaf(leafWith(bad, { crlUrl: url }));
    expect(revoked.revocation).toEqual([
      expect.objectContaining({ method: 'crl', ok: true, status: 'revoked', signature: 'valid', entries: 1 }),
    ]);
    expect(revoked.grade.grade).toBe('T');
    const fine = await inspectLeaf(leafWith(good, { crlUrl: url }));
    expect(fine.revocation![0]).toMatchObject({ ok: true, status: 'good' });
    expect(problemCodes(fine)).not.toContain('revoked');
  });

  it('a CRL signed by another CA is not relied on: no revoked problem', async () => {
    const serial = newSerial();
    const other = buildCertificate({ commonName: 'Wirelab Test Intermediate', ca: true });
    const srv = await crlServer(buildCrl(other, [serial]));
    const r = await inspectLeaf(leafWith(serial, { crlUrl: `http://127.0.0.1:${srv.port}/x.crl` }));
    expect(r.revocation![0]).toMatchObject({ ok: false, signature: 'invalid' });
    expect(problemCodes(r)).not.toContain('revoked');
  });

  it('bounded: a CRL over the size limit is refused with the reason, the inspection goes on', async () => {
    const serial = newSerial();
    const srv = await crlServer(
      buildCrl(pki.intermediate, [serial, ...Array.from({ length: 200 }, newSerial)]),
    );
    const small = new TlsInspector({ crlMaxBytes: 1024 });
    onTestFinished(() => small.close());
    const r = await inspectLeaf(
      leafWith(serial, { crlUrl: `http://127.0.0.1:${srv.port}/big.crl` }),
      {},
      small,
    );
    expect(r.revocation![0]).toMatchObject({
      ok: false,
      message: expect.stringContaining('1024-byte limit'),
    });
    expect(r.grade.grade).not.toBe('T');
  });

  it('checkRevocation: false makes no request', async () => {
    const serial = newSerial();
    const srv = await crlServer(buildCrl(pki.intermediate, [serial]));
    const r = await inspectLeaf(leafWith(serial, { crlUrl: `http://127.0.0.1:${srv.port}/c.crl` }), {
      checkRevocation: false,
    });
    expect(r.revocation).toBeUndefined();
    expect(srv.hits()).toBe(0);
    expect(problemCodes(r)).not.toContain('revoked');
  });
});

/** One synthetic SCT (RFC 6962 §3.2) from a log id filled with `fill`, at `ms`. */
function sctList(fill: number, ms: number): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(ms));
  const sig = Buffer.alloc(70, 0x30);
  const sct = Buffer.concat([
    Buffer.from([0]),
    Buffer.alloc(32, fill),
    ts,
    Buffer.from([0, 0, 4, 3, 0, sig.length]),
    sig,
  ]);
  const entry = Buffer.concat([Buffer.from([sct.length >> 8, sct.length & 0xff]), sct]);
  return Buffer.concat([Buffer.from([entry.length >> 8, entry.length & 0xff]), entry]);
}

describe('SCTs', () => {
  it('parses a TLS-encoded list: log id, time, signature algorithm', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(parseSctList(sctList(0xab, at), 'certificate')).toEqual([
      {
        source: 'certificate',
        version: 1,
        logId: Buffer.alloc(32, 0xab).toString('base64'),
        timestamp: new Date(at).toISOString(),
        signatureAlgorithm: 'ecdsa-sha256',
        signature: Buffer.alloc(70, 0x30).toString('base64'),
      },
    ]);
  });

  it.skipIf(!hasOpenssl)('from the TLS extension of s_server -serverinfo, with the log id', async () => {
    const at = Date.UTC(2026, 5, 1);
    const list = sctList(0x5c, at);
    const data = Buffer.concat([Buffer.from([0, 18, list.length >> 8, list.length & 0xff]), list]);
    const info = pki.file(
      'serverinfo.pem',
      `-----BEGIN SERVERINFO FOR localhost-----\n${data.toString('base64')}\n-----END SERVERINFO FOR localhost-----\n`,
    );
    const port = await opensslServer(pki, ['-serverinfo', info, '-no_tls1_3']);
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.scts).toEqual([
      expect.objectContaining({
        source: 'tls-extension',
        logId: Buffer.alloc(32, 0x5c).toString('base64'),
        timestamp: new Date(at).toISOString(),
      }),
    ]);
  });

  it('from a stapled OCSP response; a usable staple means the responder is not asked again', async () => {
    let ocspHits = 0;
    const responder = createServer((req, res) => {
      ocspHits++;
      res.writeHead(500).end();
    });
    const { port: rPort } = await listen(responder, 0, '127.0.0.1');
    onTestFinished(() => closeServer(responder));
    const serial = newSerial();
    const leaf = leafWith(serial, { ocspUrl: `http://127.0.0.1:${rPort}/` });
    const at = Date.UTC(2026, 2, 3);
    const staple = buildOcspResponse(leaf, pki.intermediate, 'good', new Date(Date.now() - 60_000), {
      sctList: sctList(0x0c, at),
    });
    const server = createTlsServer({ cert: pki.chain(leaf), key: leaf.keyPem }, (s) => s.end());
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null, resp: Buffer) => void) =>
      cb(null, Buffer.from(staple)),
    );
    server.on('tlsClientError', () => undefined);
    const { port } = await listen(server, 0, '127.0.0.1');
    onTestFinished(() => closeServer(server));
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.handshake.ocsp).toMatchObject({ present: true, certStatus: 'good', signature: 'valid' });
    expect(r.scts).toEqual([
      expect.objectContaining({ source: 'ocsp', logId: Buffer.alloc(32, 0x0c).toString('base64') }),
    ]);
    expect(r.revocation).toEqual([]);
    expect(ocspHits).toBe(0);
  });

  it('none anywhere: an empty list', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.scts).toEqual([]);
  });
});

// The contract's default turns lookups on; the schema must accept the opt-out.
it('TlsInspectInput: checkRevocation defaults to true', () => {
  expect(TlsInspectInput.parse({ target: 'localhost' }).checkRevocation).toBe(true);
});
