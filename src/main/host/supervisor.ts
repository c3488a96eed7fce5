// Starts the engine host, forwards calls and event batches, and restarts the host when it dies. Generic
// over how a host process is spawned (child_process.fork for the browser shell, utilityProcess.fork
// for Electron — see src/server/host-process.ts and src/main/app/electron-host.ts), so the whole policy
// is tested with real forked processes without Electron.
//
// Rules: a call in flight when the host dies, or made while a new one starts, is answered at once with
// ENGINE_HOST_DOWN and never sent later (the user saw it fail). A host that dies is restarted after a
// short backoff; more than `maxCrashes` deaths within `crashWindowMs` stop the restarts (state 'down').
import type { WirelabEvent } from '../../shared/contract';
import type { ErrorCode, ErrorInfo, Result } from '../../shared/errors';
import { EngineError } from '../engines/common/errors';
import type { FromHost, HostInit, ToHost } from './protocol';
import type { EncodedBatch } from './wire';

export interface HostChild {
  readonly pid: number | undefined;
  send(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type HostState = 'up' | 'restarting' | 'down';

export interface SupervisorOptions {
  spawn: () => HostChild;
  init: HostInit;
  /** Deaths within `crashWindowMs` after which no new host is started (default 5 in 60 s). */
  maxCrashes: number;
  crashWindowMs: number;
  /** First restart delay, doubled per recent crash up to 5 s (default 100 ms). */
  restartDelayMs: number;
  /** How long a closing host may take before it is killed (default 10 s). */
  closeTimeoutMs: number;
  /** How long a starting host may take to report ready (default 30 s). */
  startTimeoutMs: number;
  /**
   * Keep one spare host started (its code loaded, no engines, no data dir) `spareDelayMs` after the
   * active one is ready, so a restart skips loading the app's code — most of a host's start — at the
   * price of an idle process (about 45 MB private memory). Default off.
   */
  warmSpare: boolean;
  spareDelayMs: number;
  /** Electron: the host asks main to open a URL in the system browser. */
  openExternal?: (url: string) => void;
  /**
   * Asked per event batch: true means no receiver can take more now. The batch's acknowledgement is
   * held back and the host is told to pause, so its CreditGate drops and counts at the source instead
   * of sending batches that would only be dropped on this side. `releaseAcks()` resumes it.
   */
  holdAcks?: () => boolean;
}

export const SUPERVISOR_DEFAULTS = {
  maxCrashes: 5,
  crashWindowMs: 60_000,
  restartDelayMs: 100,
  closeTimeoutMs: 10_000,
  startTimeoutMs: 30_000,
  warmSpare: false,
  spareDelayMs: 1000,
};

/** The app event the renderer receives once a replacement host answers (re-apply the workspace). */
export function hostRestartedEvent(restarts: number): WirelabEvent {
  return { engine: 'app', type: 'host.restarted', session: 'app', at: Date.now(), restarts };
}

type RawResult = string | Result<unknown>;

export class HostSupervisor {
  private readonly options: SupervisorOptions;
  private child: HostChild | undefined;
  private state: HostState = 'restarting';
  private nextId = 1;
  private readonly pending = new Map<number, (r: RawResult) => void>();
  private readonly batchListeners = new Set<(b: EncodedBatch | WirelabEvent[]) => void>();
  private readonly stateListeners = new Set<(s: HostState, restarted: boolean) => void>();
  private readonly crashes: number[] = [];
  private restarts = 0;
  private channelList: string[] = [];
  private closing: Promise<void> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private heldAcks = 0;
  private spare: HostChild | undefined;
  private spareLoaded = false;
  private spareTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles the reopen in flight (see reopen()). */
  private reopened: ((error?: ErrorInfo) => void) | undefined;

  constructor(options: Pick<SupervisorOptions, 'spawn' | 'init'> & Partial<SupervisorOptions>) {
    this.options = { ...SUPERVISOR_DEFAULTS, ...options };
  }

  /** Starts the first host; rejects with its coded error (e.g. DATA_DIR_LOCKED) if it cannot start. */
  async start(): Promise<void> {
    await this.launch();
  }

  private launch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.spare ?? this.options.spawn();
      this.spare = undefined;
      this.child = child;
      this.heldAcks = 0; // a new host starts with full credit
      let ready = false;
      const startTimer = setTimeout(() => {
        if (!ready) child.kill();
      }, this.options.startTimeoutMs);
      child.onMessage((m) => {
        if (this.child !== child) return;
        if (m.t === 'ready') {
          ready = true;
          clearTimeout(startTimer);
          this.channelList = m.channels;
          this.setState('up', this.restarts > 0);
          if (this.restarts > 0) this.emitBatch([hostRestartedEvent(this.restarts)]);
          this.scheduleSpare();
          resolve();
        } else if (m.t === 'fatal') {
          clearTimeout(startTimer);
          reject(new EngineError(m.error.code, m.error.message));
          child.kill();
        } else if (m.t === 'result') {
          const done = this.pending.get(m.id);
          this.pending.delete(m.id);
          done?.('text' in m ? m.text : m.result);
        } else if (m.t === 'reopened') {
          const settle = this.reopened;
          this.reopened = undefined;
          settle?.(m.error);
        } else if (m.t === 'openExternal') {
          this.options.openExternal?.(m.url);
        } else if (m.t === 'events') {
          if (this.options.holdAcks?.()) {
            if (this.heldAcks === 0) child.send({ t: 'pause' });
            this.heldAcks += 1;
          } else child.send({ t: 'ack', n: 1 });
          this.emitBatch('frame' in m ? { frame: m.frame, counts: m.counts } : m.events);
        }
      });
      child.onExit((code) => {
        clearTimeout(startTimer);
        if (this.child !== child) return;
        this.child = undefined;
        const settle = this.reopened;
        this.reopened = undefined;
        settle?.({
          code: 'ENGINE_HOST_DOWN',
          message: `the engine host stopped (exit ${code ?? 'signal'}) while reopening`,
        });
        this.failPending(
          'ENGINE_HOST_DOWN',
          `the engine host stopped (exit ${code ?? 'signal'}) before answering`,
        );
        if (!ready)
          reject(new EngineError('ENGINE_HOST_DOWN', `the engine host exited (${code}) while starting`));
        if (this.closing) return;
        if (ready) this.onCrash();
      });
      child.send({ t: 'init', init: this.options.init });
    });
  }

  /** A host started ahead of need; the next launch takes it instead of forking (see warmSpare). */
  private scheduleSpare(): void {
    if (!this.options.warmSpare || this.spare || this.spareTimer || this.closing) return;
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined;
      if (this.closing || this.spare) return;
      const spare = this.options.spawn();
      this.spare = spare;
      this.spareLoaded = false;
      spare.onMessage((m) => {
        if (m.t === 'loaded' && this.spare === spare) this.spareLoaded = true;
      });
      spare.onExit(() => {
        if (this.spare === spare) this.spare = undefined;
      });
    }, this.options.spareDelayMs);
    // The spare is an optimisation: it never keeps the UI process alive.
    (this.spareTimer as { unref?: () => void }).unref?.();
  }

  private onCrash(): void {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && now - this.crashes[0]! > this.options.crashWindowMs) this.crashes.shift();
    if (this.crashes.length > this.options.maxCrashes) {
      this.setState('down', false);
      return;
    }
    this.setState('restarting', false);
    const delay = Math.min(this.options.restartDelayMs * 2 ** (this.crashes.length - 1), 5000);
    const attempt = () => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.restarts += 1;
      // A replacement that fails to start counts as another crash (and backs off further).
      this.launch().catch(() => {
        if (!this.closing) this.onCrash();
      });
    };
    this.restartTimer = setTimeout(attempt, delay);
  }

  private setState(state: HostState, restarted: boolean): void {
    this.state = state;
    for (const l of this.stateListeners) l(state, restarted);
  }

  private emitBatch(batch: EncodedBatch | WirelabEvent[]): void {
    for (const l of this.batchListeners) l(batch);
  }

  private failPending(code: ErrorCode, message: string): void {
    const error: ErrorInfo = { code, message };
    for (const [id, done] of this.pending) {
      this.pending.delete(id);
      done({ ok: false, error });
    }
  }

  /**
   * Closes every engine and starts them again on `dataDir` in the same host process: a fresh app without
   * loading its code again (the e2e fixtures reuse one shell per worker so). A host started later (a
   * restart, the spare taking over) starts on `dataDir` too. Calls meanwhile get ENGINE_HOST_DOWN.
   */
  async reopen(dataDir: string): Promise<void> {
    const child = this.child;
    if (!child || this.state !== 'up' || this.closing || this.reopened)
      throw new EngineError('ENGINE_HOST_DOWN', 'the engine host is not running');
    const previous = this.options.init;
    this.options.init = { ...previous, dataDir };
    const error = await new Promise<ErrorInfo | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.reopened = undefined;
        resolve({ code: 'TIMEOUT', message: 'the engine host did not reopen in time' });
      }, this.options.startTimeoutMs);
      this.reopened = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
      child.send({ t: 'reopen', dataDir });
    });
    if (error) {
      // A host without engines (or one that did not answer in time) is replaced like a crashed one, on
      // the data dir it had (the new one could not be opened).
      this.options.init = previous;
      child.kill();
      throw new EngineError(error.code, error.message);
    }
  }

  /** Wire text or a Result, as the init's encoding says; supervisor-made failures are always Results. */
  call(channel: string, input: unknown): Promise<RawResult> {
    const child = this.child;
    if (!child || this.state !== 'up' || this.closing || this.reopened) {
      const message =
        this.state === 'down'
          ? 'the engine host stopped repeatedly and is not restarted; restart Wirelab'
          : 'the engine host is restarting';
      return Promise.resolve({ ok: false, error: { code: 'ENGINE_HOST_DOWN', message } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.send({ t: 'call', id, channel, input });
    });
  }

  /** Acknowledges the batches held back by `holdAcks` and resumes the host: it may send again. */
  releaseAcks(): void {
    if (this.heldAcks === 0) return;
    this.child?.send({ t: 'ack', n: this.heldAcks });
    this.child?.send({ t: 'resume' });
    this.heldAcks = 0;
  }

  /** Batches received whose acknowledgement is held back. */
  heldAckCount(): number {
    return this.heldAcks;
  }

  publish(events: WirelabEvent[]): void {
    if (this.state === 'up') this.child?.send({ t: 'publish', events });
  }

  onBatch(listener: (batch: EncodedBatch | WirelabEvent[]) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  onState(listener: (state: HostState, restarted: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  currentState(): HostState {
    return this.state;
  }

  channels(): string[] {
    return [...this.channelList];
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  /** The warm spare's process id, once its code is loaded. */
  sparePid(): number | undefined {
    return this.spareLoaded ? this.spare?.pid : undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.restartTimer) clearTimeout(this.restartTimer);
      if (this.spareTimer) clearTimeout(this.spareTimer);
      // The spare holds nothing (no engines, no data dir): no need for an orderly close.
      this.spare?.kill();
      this.spare = undefined;
      const child = this.child;
      if (!child) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill();
          resolve();
        }, this.options.closeTimeoutMs);
        child.onExit(() => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ t: 'close' });
      });
      this.child = undefined;
      this.failPending('ENGINE_HOST_DOWN', 'Wirelab is closing');
    })();
    return this.closing;
  }
}
