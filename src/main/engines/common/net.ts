// Promise-wrapped listen/close for any net.Server-like object, and how a peer address is written.
// `listen` fails with a coded error (EADDRINUSE → ADDRESS_IN_USE) instead of probing ports first,
// which would race.
import { isIP, type Server as NetServer } from 'node:net';
import { toEngineError } from './errors';

export function listen(
  server: NetServer,
  port: number,
  host: string,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(toEngineError(err, `listen on ${host}:${port}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
      else resolve({ host, port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** host:port as people write it: IPv6 addresses in brackets. */
export function formatPeer(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
