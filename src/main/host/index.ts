// Entry of the engine host process (see engine-host.ts). Started by the browser shell with
// child_process.fork (messages over the IPC channel, 'advanced' serialization) and by Electron with
// utilityProcess.fork (the first message on process.parentPort hands over a MessagePort; everything
// after goes over that port). Exits when its parent goes away, so a killed UI process never leaves
// engines holding ports and the data dir's lock.
import { runEngineHost, type HostPort } from './engine-host';
import type { FromHost } from './protocol';

interface MessagePortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
  start(): void;
}
interface ParentPort {
  once(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): void;
}

function electronPort(parentPort: ParentPort): HostPort {
  let port: MessagePortLike | undefined;
  const queued: FromHost[] = [];
  let listener: ((m: unknown) => void) | undefined;
  parentPort.once('message', (e) => {
    port = e.ports[0];
    if (!port) throw new Error('the engine host expects a MessagePort from the Electron main process');
    port.on('message', (m) => listener?.(m.data));
    port.start();
    for (const m of queued.splice(0)) port.postMessage(m);
  });
  return {
    post: (m) => (port ? port.postMessage(m) : queued.push(m)),
    onMessage: (l) => (listener = l),
  };
}

function processPort(): HostPort {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) return electronPort(parentPort);
  if (!process.send) throw new Error('the engine host must be started by a Wirelab shell');
  return {
    post: (m: FromHost) => {
      if (process.connected) process.send?.(m);
    },
    onMessage: (l) => process.on('message', l),
  };
}

const port = processPort();
const run = runEngineHost(port);
// Every module is evaluated by now: tells a supervisor keeping this process as a warm spare.
port.post({ t: 'loaded' });
// Without its parent no one can call the engines: close them (ports, lock) and leave, bounded in time.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), 3000).unref();
  void run.close();
});
void run.closed.then(() => {
  // Let the last message ('closed' or 'fatal') leave before exiting.
  setTimeout(() => process.exit(0), 50);
});
