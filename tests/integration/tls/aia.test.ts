// A server that forgets its intermediate: the inspector downloads it from the leaf's AIA "CA Issuers"
// URL (a local HTTP server here), builds the chain, and still reports the server's mistake. Formats
// CAs publish (DER, PEM, PKCS#7), redirects, and every way a download can fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { buildCertificate, type BuiltCertificate } from '../../../src/main/engines/common/x509-builder';
import { parseIssuerBody, pkcs7Certificates } from '../../../src/main/engines/tls/aia';
import { createTestPki, leafSpec } from '../../helpers/pki';
import { inspect, inspector, problemCodes, tlsServer } from './helpers';

const pki = createTestPki();
let rootFile = '';
let http: Server;
let base = '';
let hits: string[] = [];

/** DER: tag, then length, then the parts. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.from([tag, ...len]), body]);
}
const oid = (bytes: number[]) => tlv(0x06, Uint8Array.from(bytes));

/** A "certs-only" PKCS#7 bundle, as CAs publish in .p7c files. */
function p7c(certs: BuiltCertificate[]): Uint8Array {
  const signedData = tlv(
    0x30,
    tlv(0x02, Uint8Array.from([1])),
    tlv(0x31),
    tlv(0x30, oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01])),
    tlv(0xa0, ...certs.map((c) => c.der)),
    tlv(0x31),
  );
  return tlv(0x30, oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]), tlv(0xa0, signedData));
}

beforeAll(async () => {
  rootFile = pki.file('root.pem', pki.root.certPem);
  http = createServer((req, res) => {
    hits.push(req.url ?? '');
    const send = (body: Uint8Array | string, type = 'application/pkix-cert') => {
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    switch (req.url) {
      case '/int.cer':
        return send(pki.intermediate.der);
      case '/int.pem':
        return send(pki.intermediate.certPem, 'application/x-pem-file');
      case '/int.p7c':
        return send(p7c([pki.root, pki.intermediate]), 'application/pkcs7-mime');
      case '/moved':
        res.writeHead(301, { location: '/int.cer' });
        return res.end();
      case '/unrelated.cer':
        return send(pki.otherRoot.der);
      case '/garbage':
        return send('this is not a certificate');
      case '/big':
        return send(Buffer.alloc(200 * 1024, 0x30));
      case '/slow':
        return; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  const { port } = await listen(http, 0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  await closeServer(http);
  pki.cleanup();
});

/** A TLS server that sends only its leaf, whose AIA points at `path` on the local HTTP server. */
async function leafOnlyServer(path: string): Promise<number> {
  const leaf = buildCertificate(leafSpec(pki.intermediate, { caIssuersUrl: `${base}${path}` }));
  return tlsServer({ cert: leaf.certPem, key: leaf.keyPem });
}

describe('AIA: completing a chain the server left incomplete', () => {
  for (const path of ['/int.cer', '/int.pem', '/int.p7c', '/moved']) {
    it(`downloads the intermediate (${path}), trusts the chain, still reports the missing intermediate`, async () => {
      hits = [];
      const port = await leafOnlyServer(path);
      const r = await inspect(inspector(), {
        target: `localhost:${port}`,
        caFiles: [rootFile],
        fetchIssuers: true,
      });
      expect(r.validation.trusted).toBe(true);
      expect(problemCodes(r)).toEqual(['missing-intermediate']);
      expect(r.validation.problems[0]?.message).toContain(`${base}${path}`);
      expect(r.validation.path.map((l) => l.source)).toEqual(['sent', 'aia', 'user']);
      expect(r.validation.aiaFetches).toEqual([
        { url: `${base}${path}`, ok: true, message: expect.stringContaining('Wirelab Test Intermediate') },
      ]);
      // Trusted, but incomplete: capped at B, not T.
      expect(r.grade.grade).toBe('B');
      expect(hits[0]).toBe(path);
    });
  }

  it('with fetchIssuers off nothing is downloaded: unknown issuer, grade T', async () => {
    hits = [];
    const port = await leafOnlyServer('/int.cer');
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caFiles: [rootFile],
      fetchIssuers: false,
    });
    expect(problemCodes(r)).toEqual(['unknown-issuer']);
    expect(r.grade.grade).toBe('T');
    expect(r.validation.aiaFetches).toBeUndefined();
    expect(hits).toEqual([]);
  });

  it.each([
    ['/missing', /HTTP 404/],
    ['/garbage', /neither a certificate nor a PKCS#7 bundle/],
    ['/unrelated.cer', /none of the 1 certificate\(s\) downloaded issued/],
    ['/big', /limit/],
  ])('a failed download (%s) is reported and the chain stays unknown', async (path, why) => {
    const port = await leafOnlyServer(path);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caFiles: [rootFile],
      fetchIssuers: true,
    });
    expect(problemCodes(r)).toEqual(['unknown-issuer']);
    expect(r.validation.aiaFetches).toHaveLength(1);
    expect(r.validation.aiaFetches?.[0]).toMatchObject({ url: `${base}${path}`, ok: false });
    expect(r.validation.aiaFetches?.[0]?.message).toMatch(why);
  });

  it('a download that never answers times out within aiaTimeoutMs', async () => {
    const leaf = buildCertificate(leafSpec(pki.intermediate, { caIssuersUrl: `${base}/slow` }));
    const port = await tlsServer({ cert: leaf.certPem, key: leaf.keyPem });
    const { TlsInspector } = await import('../../../src/main/engines/tls/inspector');
    const i = new TlsInspector({ aiaTimeoutMs: 300 });
    try {
      const r = await inspect(i, { target: `localhost:${port}`, caFiles: [rootFile], fetchIssuers: true });
      expect(r.validation.aiaFetches?.[0]).toMatchObject({
        ok: false,
        message: expect.stringContaining('300 ms'),
      });
    } finally {
      await i.close();
    }
  });

  it('a complete chain downloads nothing', async () => {
    hits = [];
    const leaf = buildCertificate(leafSpec(pki.intermediate, { caIssuersUrl: `${base}/int.cer` }));
    const port = await tlsServer({ cert: leaf.certPem + pki.intermediate.certPem, key: leaf.keyPem });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caFiles: [rootFile],
      fetchIssuers: true,
    });
    expect(r.validation.problems).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('the PKCS#7 reader agrees with openssl', () => {
    const bundle = p7c([pki.root, pki.intermediate]);
    expect(pkcs7Certificates(bundle).map((d) => Buffer.from(d).toString('hex'))).toEqual(
      [pki.root.der, pki.intermediate.der].map((d) => Buffer.from(d).toString('hex')),
    );
    expect(parseIssuerBody(bundle)).toHaveLength(2);
    const file = join(pki.file('bundle.p7c', ''), '..', 'bundle.p7c');
    writeFileSync(file, bundle);
    let out: string;
    try {
      out = execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-in', file, '-print_certs', '-noout'], {
        encoding: 'utf8',
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no openssl here: the DER checks above stand
      throw err;
    }
    expect(out).toContain('Wirelab Test Intermediate');
    expect(pkcs7Certificates(Uint8Array.from([0x30, 0x03, 0x06, 0x01, 0x00]))).toEqual([]);
  });
});
