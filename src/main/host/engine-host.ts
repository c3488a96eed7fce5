// The engine host: engines, dispatcher and event bus in a process of their own, so a load balancer at
// full speed or a TLS scan never shares an event loop with windows, IPC or the browser shell's socket.
// This module is the host's logic over an abstract message port; index.ts binds it to the process
// (child_process.fork from the browser shell, utilityProcess.fork from Electron). The same entry
// serves both front ends.
import { createServices, type Services } from '../services';
import { errorInfo } from '../engines/common/errors';
import { encodeBatch, encodeResult } from './wire';
import { CreditGate } from './credit';
import { isToHost, type FromHost, type HostInit, type ToHost } from './protocol';

export interface HostPort {
  post(message: FromHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface EngineHostRun {
  /** Resolves once the host has closed (a close message, a failed start, or close()). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Runs the host on `port` until a close message. */
export function runEngineHost(port: HostPort): EngineHostRun {
  let closeNow: () => Promise<void> = async () => undefined;
  const closed = new Promise<void>((done) => {
    let services: Services | undefined;
    let init: HostInit | undefined;
    let gate: CreditGate | undefined;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await services?.close();
        port.post({ t: 'closed' });
        done();
      })();
      return closing;
    };
    closeNow = close;
    port.onMessage((raw) => {
      if (!isToHost(raw)) return;
      const msg: ToHost = raw;
      if (msg.t === 'init') {
        if (services) return;
        init = msg.init;
        try {
          services = createServices({
            dataDir: init.dataDir,
            shell: init.shell,
            version: init.version,
            // Only Electron's main process can open the system browser; the browser shell's page does it itself.
            ...(init.shell === 'electron'
              ? { openExternal: async (url: string) => port.post({ t: 'openExternal', url }) }
              : {}),
            ...(init.chatDiscovery === undefined ? {} : { chatDiscovery: init.chatDiscovery }),
          });
        } catch (err) {
          port.post({ t: 'fatal', error: errorInfo(err) });
          done();
          return;
        }
        gate = new CreditGate(init.maxUnackedBatches ? { maxUnacked: init.maxUnackedBatches } : {});
        const encoding = init.encoding;
        const g = gate;
        services.bus.subscribe((batch) => {
          const admitted = g.offer(batch);
          if (!admitted) return;
          if (encoding === 'wire') {
            const { frame, counts } = encodeBatch(admitted);
            port.post({ t: 'events', frame, counts });
          } else port.post({ t: 'events', events: admitted });
        });
        port.post({ t: 'ready', channels: services.dispatcher.channels(), pid: process.pid });
        return;
      }
      if (msg.t === 'close') {
        void close();
        return;
      }
      if (!services || closing) return;
      if (msg.t === 'ack') gate?.ack(msg.n);
      else if (msg.t === 'pause') gate?.pause();
      else if (msg.t === 'resume') gate?.resume();
      else if (msg.t === 'publish') for (const e of msg.events) services.bus.publish(e);
      else if (msg.t === 'call') {
        const { id } = msg;
        const wire = init?.encoding === 'wire';
        void services.dispatcher.call(msg.channel, msg.input).then((result) => {
          port.post(wire ? { t: 'result', id, text: encodeResult(result) } : { t: 'result', id, result });
        });
      }
    });
  });
  return { closed, close: () => closeNow() };
}
