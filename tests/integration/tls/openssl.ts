// `openssl s_server` on 127.0.0.1 port 0 for the TLS tests that need a real TLS stack with options Node
// will not give (anonymous DH, SECLEVEL 0, single-version servers). Killed when the test finishes.
import { onTestFinished } from 'vitest';
import type { BuiltCertificate } from '../../../src/main/engines/common/x509-builder';
import { startOpensslServer } from '../../helpers/openssl-server';
import type { TestPki } from '../../helpers/pki';

export { hasOpenssl } from '../../helpers/openssl-server';

/** Starts s_server (see startOpensslServer), killed when the test finishes; resolves with the port. */
export function opensslServer(pki: TestPki, args: string[], leaf?: BuiltCertificate): Promise<number> {
  const { child, port } = startOpensslServer(pki, args, leaf);
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return port;
}
