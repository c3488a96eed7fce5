// Entry of the engine host process (see engine-host.ts). Started by the browser shell with
// child_process.fork (messages over the IPC channel, 'advanced' serialization) and by Electron with
// utilityProcess.fork (messages over process.parentPort). Exits when its parent goes away, so a killed
// UI process never leaves engines holding ports and the data dir's lock.
import { runEngineHost, type HostPort } from './engine-host';
import type { FromHost } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function processPort(): HostPort {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (m: FromHost) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data)),
    };
  }
  if (!process.send) throw new Error('the engine host must be started by a Wirelab shell');
  return {
    post: (m: FromHost) => {
      if (process.connected) process.send?.(m);
    },
    onMessage: (l) => process.on('message', l),
  };
}

const run = runEngineHost(processPort());
// Without its parent no one can call the engines: close them (ports, lock) and leave, bounded in time.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), 3000).unref();
  void run.close();
});
void run.closed.then(() => {
  // Let the last message ('closed' or 'fatal') leave before exiting.
  setTimeout(() => process.exit(0), 50);
});
