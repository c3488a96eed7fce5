// `openssl s_server` on 127.0.0.1 port 0, for TLS tests (Vitest and Playwright) that need a real TLS stack
// with options Node will not give (anonymous DH, SECLEVEL 0, single-version servers). The caller kills
// the process when its test ends.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { buildCertificate, type BuiltCertificate } from '../../src/main/engines/common/x509-builder';
import { leafSpec, type TestPki } from './pki';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

let seq = 0;

/**
 * Starts s_server with an RSA-2048 leaf (or `leaf`) and the test intermediate (s_server wants a
 * certificate even for anonymous suites, where it sends none); `port` resolves once it listens.
 */
export function startOpensslServer(
  pki: TestPki,
  args: string[],
  leaf: BuiltCertificate = buildCertificate(leafSpec(pki.intermediate, { keySpec: 'rsa-2048' })),
): { child: ChildProcessWithoutNullStreams; port: Promise<number> } {
  const n = ++seq;
  const cert = pki.file(`s-cert-${process.pid}-${n}.pem`, leaf.certPem);
  const chain = pki.file(`s-chain-${process.pid}-${n}.pem`, pki.intermediate.certPem);
  const key = pki.file(`s-key-${process.pid}-${n}.pem`, leaf.keyPem);
  const child = spawn(
    'openssl',
    ['s_server', '-accept', '127.0.0.1:0', '-cert', cert, '-cert_chain', chain, '-key', key, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => reject(new Error(`s_server exited: ${out}`)));
  });
  return { child, port };
}
