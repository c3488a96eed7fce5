// Messenger instances for integration tests: each with its own data dir, listening on 127.0.0.1 port 0
// (or a given port, to come back on after a restart), discovery off (no multicast outside namespaces),
// peers by address. Events are recorded; cleanup is registered the moment each thing exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import type { MessengerEvent, MessengerInfo } from '../../../src/shared/contract/messenger';
import { MessengerService, type MessengerOptions } from '../../../src/main/engines/messenger/service';
import type { Services } from '../../../src/main/services';
import type { WirelabEvent } from '../../../src/shared/contract';
import { testServices } from '../../helpers/services';

export function tempDir(prefix = 'wirelab-messenger-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export interface Instance {
  svc: MessengerService;
  info: MessengerInfo;
  events: MessengerEvent[];
  dir: string;
}

export async function startInstance(
  nick: string,
  opts: {
    dir?: string;
    port?: number;
    peers?: { host: string; port: number }[];
    options?: Partial<MessengerOptions>;
  } = {},
): Promise<Instance> {
  const dir = opts.dir ?? tempDir();
  const svc = new MessengerService({
    dataDir: dir,
    discovery: false,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    ...opts.options,
  });
  onTestFinished(() => svc.close());
  const events: MessengerEvent[] = [];
  svc.on((e) => events.push(e));
  const info = await svc.start({
    nick,
    status: 'online',
    host: '127.0.0.1',
    port: opts.port ?? 0,
    peers: opts.peers ?? [],
  });
  return { svc, info, events, dir };
}

export const addr = (i: Instance) => ({ host: '127.0.0.1', port: i.info.port });

/** Waits until `a` sees `b` online (a connection is open). */
export async function connected(a: Instance, b: Instance): Promise<void> {
  await expect
    .poll(() => a.svc.peers().peers.find((p) => p.id === b.info.instanceId)?.connected, { timeout: 20_000 })
    .toBe(true);
}

export function texts(i: Instance, conversation: string): string[] {
  return i.svc.messages({ conversation, limit: 1000 }).messages.map((m) => m.text);
}

/** A raw TLS connection to a messenger's port (a foreign or misbehaving peer), with the lines it receives. */
export async function raw(
  port: number,
  withCert = true,
): Promise<{ s: TLSSocket; lines: string[]; closed: Promise<void> }> {
  const cert = withCert ? await loadOrCreateAppCertificate(tempDir()) : undefined;
  const s = await new Promise<TLSSocket>((resolve, reject) => {
    const c = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, cert: cert?.certPem, key: cert?.keyPem },
      () => resolve(c),
    );
    c.once('error', reject);
  });
  onTestFinished(() => {
    s.destroy();
  });
  s.on('error', () => undefined);
  const lines: string[] = [];
  let buf = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  return { s, lines, closed };
}

/** The app composed as the page and the browser shell reach it: calls through the dispatcher, bus events. */
export function dispatcherInstance(prefix = 'wirelab-messenger-'): {
  s: Services;
  events: WirelabEvent[];
  call(channel: string, input: unknown): Promise<unknown>;
} {
  const s = testServices(prefix);
  const events: WirelabEvent[] = [];
  s.bus.subscribe((batch) => events.push(...batch));
  return {
    s,
    events,
    async call(channel, input) {
      const r = await s.dispatcher.call(channel, input);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value;
    },
  };
}

/** 'ok', or the code a call was refused with. */
export const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code: string }) => e.code,
  );
