// The Electron side of the engine host: src/main/host/index.ts (built as out/main/host.js) started with
// utilityProcess.fork and handed one end of a MessageChannelMain, over which the supervisor talks to
// it. The Electron objects are passed in, so this stays a plain function the shell's test drives
// with a recording stand-in for `electron`.
import { join } from 'node:path';
import type { HostChild } from '../host/supervisor';
import type { FromHost, ToHost } from '../host/protocol';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  start(): void;
  close(): void;
}
interface UtilityLike {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: PortLike[]): void;
  on(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}
export interface UtilityDeps {
  fork(modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' }): UtilityLike;
  channel(): { port1: PortLike; port2: PortLike };
}

/** out/main/host.js, next to the main bundle (out/main/index.js). */
export function hostEntryPath(mainDir: string): string {
  return join(mainDir, 'host.js');
}

export function forkUtilityHost(deps: UtilityDeps, entry: string): HostChild {
  const child = deps.fork(entry, [], { serviceName: 'Wirelab engines', stdio: 'inherit' });
  const { port1, port2 } = deps.channel();
  // The host's end of the channel; the first message on its parentPort carries it.
  child.postMessage({ t: 'port' }, [port1]);
  port2.start();
  let exited = false;
  child.on('exit', () => {
    exited = true;
    port2.close();
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message: ToHost) => {
      if (!exited) port2.postMessage(message);
    },
    onMessage: (listener) => port2.on('message', (e) => listener(e.data as FromHost)),
    onExit: (listener) => {
      if (exited) listener(null);
      else child.on('exit', (code) => listener(code));
    },
    kill: () => void child.kill(),
  };
}
