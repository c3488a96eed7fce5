// Promise-wrapped listen/close for any net.Server-like object. `listen` fails with a coded error
// (EADDRINUSE → ADDRESS_IN_USE) instead of probing ports first, which would race.
import type { Server as NetServer } from 'node:net';
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
