// Messages between a UI-side process (browser shell, Electron main) and the engine host. Plain
// objects sent with structured clone (child_process 'advanced' serialization or Electron's
// parentPort), so Uint8Array payloads cross as bytes.
import type { WirelabEvent } from '../../shared/contract';
import type { ErrorInfo, Result } from '../../shared/errors';

export interface HostInit {
  dataDir: string;
  shell: 'electron' | 'browser';
  version: string;
  chatDiscovery?: boolean;
  /**
   * 'wire': results as wire JSON text and event batches as binary frames, ready for a WebSocket (the
   * browser shell only forwards bytes). 'structured': objects, for Electron IPC's structured clone.
   */
  encoding: 'wire' | 'structured';
  /** Event batches in flight to the UI side before the host drops and counts (CreditGate). */
  maxUnackedBatches?: number;
}

export type ToHost =
  | { t: 'init'; init: HostInit }
  | { t: 'call'; id: number; channel: string; input: unknown }
  | { t: 'publish'; events: WirelabEvent[] }
  | { t: 'ack'; n: number }
  /** The UI side cannot take batches now / again (CreditGate.pause/resume). */
  | { t: 'pause' }
  | { t: 'resume' }
  /**
   * Close every engine and start them again on another data dir, in the same process: a fresh app
   * without loading the code again (the e2e fixtures reuse one shell per worker this way).
   */
  | { t: 'reopen'; dataDir: string }
  | { t: 'close' };

export type FromHost =
  /** The host's code is loaded (sent at once, before any init): a warm spare is ready to take over. */
  | { t: 'loaded' }
  | { t: 'ready'; channels: string[]; pid: number }
  | { t: 'fatal'; error: ErrorInfo }
  | { t: 'result'; id: number; text: string }
  | { t: 'result'; id: number; result: Result<unknown> }
  | { t: 'events'; frame: Uint8Array; counts: { forEngine: string; session: string; count: number }[] }
  | { t: 'events'; events: WirelabEvent[] }
  /** app.openExternal in the Electron shell: the URL (vetted by the app service) opens from main. */
  | { t: 'openExternal'; url: string }
  /** The engines run on the new data dir, or could not start there (`error`: the host then has none). */
  | { t: 'reopened'; error?: ErrorInfo }
  | { t: 'closed' };

/** Messages come from our own parent, but a malformed one must not crash the engines. */
export function isToHost(v: unknown): v is ToHost {
  if (!v || typeof v !== 'object') return false;
  const m = v as {
    t?: unknown;
    id?: unknown;
    channel?: unknown;
    events?: unknown;
    init?: unknown;
    dataDir?: unknown;
  };
  switch (m.t) {
    case 'init':
      return !!m.init && typeof m.init === 'object';
    case 'call':
      return typeof m.id === 'number' && typeof m.channel === 'string';
    case 'publish':
      return Array.isArray(m.events);
    case 'reopen':
      return typeof m.dataDir === 'string' && m.dataDir.length > 0;
    case 'ack':
    case 'pause':
    case 'resume':
    case 'close':
      return true;
    default:
      return false;
  }
}
