// The lab engine as the dispatcher sees it: one run at a time per app instance (a second is
// LIMIT_EXCEEDED), progress as events, cancel returns the partial result through the pending run.
import {
  LAB_DEFAULTS,
  LabRunInput,
  type LabEvent,
  type LabResult,
  type LabRunOptions,
} from '../../../shared/contract/lab';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { kernelCheckAvailability, type KernelAvailability } from './kernel';
import { runLab, type LabLimits } from './run';

export class LabService extends TypedEmitter<LabEvent> {
  private running?: { session: string; cancelled: boolean; done: Promise<unknown> };
  private readonly ids = new IdSequence('lab-');
  private kernelAvailability?: Promise<KernelAvailability>;

  constructor(private readonly limits: Partial<LabLimits> = {}) {
    super();
  }

  async run(input: LabRunOptions): Promise<LabResult> {
    // Asked before the one-run check, so nothing awaits between that check and taking the slot.
    if (input.tcpSource === 'kernel') {
      const k = await this.kernel();
      if (!k.available) throw new EngineError('NOT_SUPPORTED', k.reason);
    }
    if (this.running)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `lab run ${this.running.session} is still going; cancel it or wait`,
      );
    const session = this.ids.next();
    const state = { session, cancelled: false, done: Promise.resolve() as Promise<unknown> };
    this.running = state;
    const p = runLab(
      input,
      {
        cancelled: () => state.cancelled,
        onProgress: (pr) => this.emit({ engine: 'lab', type: 'progress', session, at: Date.now(), ...pr }),
      },
      this.limits,
    );
    state.done = p.catch(() => undefined);
    try {
      const result = await p;
      this.emit({ engine: 'lab', type: 'done', session, at: Date.now(), result });
      return result;
    } finally {
      this.running = undefined;
    }
  }

  cancel(): { cancelled: boolean } {
    if (!this.running) return { cancelled: false };
    this.running.cancelled = true;
    return { cancelled: true };
  }

  defaults(): { defaults: LabRunOptions } {
    return { defaults: LabRunInput.parse({}) };
  }

  /** Asked once per instance: it spawns `ip` and python3, and the answer does not change while running. */
  private kernel(): Promise<KernelAvailability> {
    this.kernelAvailability ??= kernelCheckAvailability();
    return this.kernelAvailability;
  }

  async capabilities(): Promise<{ kernel: { available: boolean; reason?: string } }> {
    const k = await this.kernel();
    return { kernel: k.available ? { available: true } : { available: false, reason: k.reason } };
  }

  async close(): Promise<void> {
    const r = this.running;
    if (!r) return;
    r.cancelled = true;
    await r.done;
  }
}

export { LAB_DEFAULTS };
