// Name resolution for every engine, with RFC 6761's ".invalid" answered here: such a name can never
// exist, and §6.4 asks resolution APIs to "always return immediate negative responses" — so no query
// is sent to the network for it (the OS stub resolver would forward it to the configured DNS server).
// Everything else goes to the system resolver unchanged.
import { lookup as lookupCallback, type LookupAddress } from 'node:dns';
import { lookup as lookupPromise } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';

export function isInvalidName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'invalid' || h.endsWith('.invalid');
}

/** The error getaddrinfo gives for a name that does not exist, so callers map it as they always do. */
function notFound(host: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException & { hostname?: string } = new Error(`getaddrinfo ENOTFOUND ${host}`);
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  err.hostname = host;
  return err;
}

/** dns.promises.lookup, single address. */
export async function lookup(host: string, options: { family?: 0 | 4 | 6 } = {}): Promise<LookupAddress> {
  if (isInvalidName(host)) throw notFound(host);
  return lookupPromise(host, { family: options.family ?? 0 });
}

/** For the `lookup` option of net.connect / tls.connect / http.request. */
export const connectLookup: LookupFunction = (hostname, options, callback) => {
  if (isInvalidName(hostname)) {
    process.nextTick(() => callback(notFound(hostname), ''));
    return;
  }
  if (options.all) lookupCallback(hostname, { ...options, all: true }, (err, all) => callback(err, all));
  else
    lookupCallback(hostname, { ...options, all: false }, (err, address, family) =>
      callback(err, address, family),
    );
};
