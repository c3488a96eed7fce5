// The engine host: engines, dispatcher and event bus in a process of their own, so a load balancer at
// full speed or a TLS scan never shares an event loop with windows, IPC or the browser shell's socket.
// This module is the host's logic over an abstract message port; index.ts binds it to the process
// (child_process.fork from the browser shell, utilityProcess.fork from Electron). The same entry
// serves both front ends.
import { createServices, type Services } from '../services';
import type { Result } from '../../shared/errors';
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
    let unsubscribe: (() => void) | undefined;
    let closing: Promise<void> | undefined;
    let reopening: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await reopening;
        await services?.close();
        port.post({ t: 'closed' });
        done();
      })();
      return closing;
    };
    closeNow = close;
    /** A call's result, as the init's encoding says. */
    const answer = (id: number, result: Result<unknown>) =>
      port.post(
        init?.encoding === 'wire'
          ? { t: 'result', id, text: encodeResult(result) }
          : { t: 'result', id, result },
      );
    /** Engines on `init.dataDir`, their event batches flowing out through a fresh credit gate. */
    const open = (from: HostInit): Services => {
      const s = createServices({
        dataDir: from.dataDir,
        shell: from.shell,
        version: from.version,
        // Only Electron's main process can open the system browser; the browser shell's page does it itself.
        ...(from.shell === 'electron'
          ? { openExternal: async (url: string) => port.post({ t: 'openExternal', url }) }
          : {}),
        ...(from.chatDiscovery === undefined ? {} : { chatDiscovery: from.chatDiscovery }),
      });
      const g = new CreditGate(from.maxUnackedBatches ? { maxUnacked: from.maxUnackedBatches } : {});
      gate = g;
      const encoding = from.encoding;
      unsubscribe = s.bus.subscribe((batch) => {
        const admitted = g.offer(batch);
        if (!admitted) return;
        if (encoding === 'wire') {
          const { frame, counts } = encodeBatch(admitted);
          port.post({ t: 'events', frame, counts });
        } else port.post({ t: 'events', events: admitted });
      });
      return s;
    };
    port.onMessage((raw) => {
      if (!isToHost(raw)) return;
      const msg: ToHost = raw;
      if (msg.t === 'init') {
        if (services) return;
        init = msg.init;
        try {
          services = open(init);
        } catch (err) {
          port.post({ t: 'fatal', error: errorInfo(err) });
          done();
          return;
        }
        port.post({ t: 'ready', channels: services.dispatcher.channels(), pid: process.pid });
        return;
      }
      if (msg.t === 'close') {
        void close();
        return;
      }
      if (msg.t === 'reopen') {
        const from = init;
        const old = services;
        if (!from || !old || closing || reopening) return;
        // Calls are not taken meanwhile: the UI side answers them itself until 'reopened'.
        services = undefined;
        reopening = (async () => {
          unsubscribe?.();
          await old.close();
          init = { ...from, dataDir: msg.dataDir };
          try {
            services = open(init);
            port.post({ t: 'reopened' });
          } catch (err) {
            port.post({ t: 'reopened', error: errorInfo(err) });
          }
        })().finally(() => (reopening = undefined));
        return;
      }
      if (closing) return;
      if (!services) {
        // Between a reopen's close and its new engines: answered, never left waiting.
        if (msg.t === 'call')
          answer(msg.id, {
            ok: false,
            error: { code: 'ENGINE_HOST_DOWN', message: 'the engines are reopening' },
          });
        return;
      }
      if (msg.t === 'ack') gate?.ack(msg.n);
      else if (msg.t === 'pause') gate?.pause();
      else if (msg.t === 'resume') gate?.resume();
      else if (msg.t === 'publish') for (const e of msg.events) services.bus.publish(e);
      else if (msg.t === 'call') {
        const { id } = msg;
        void services.dispatcher.call(msg.channel, msg.input).then((result) => answer(id, result));
      }
    });
  });
  return { closed, close: () => closeNow() };
}
