// The one place where calls from any shell meet the engines: look up the channel in the contract,
// validate the input with its schema, call the handler, and map whatever it throws to `{code, message}`.
// Transports (Electron IPC, the browser shell's WebSocket, tests) only move bytes to and from here.
import type { z } from 'zod';
import { findMethod, zodErrorToInfo, type ContractShape } from '../../shared/contract/define';
import type { Result } from '../../shared/errors';
import { errorInfo } from '../engines/common/errors';

type Awaitable<T> = T | Promise<T>;

export type Handlers<C extends ContractShape> = {
  [E in keyof C]: {
    [M in keyof C[E]]: (input: z.output<C[E][M]['input']>) => Awaitable<z.input<C[E][M]['output']>>;
  };
};

export interface Dispatcher {
  call(channel: string, input: unknown): Promise<Result<unknown>>;
  channels(): string[];
}

export interface DispatcherOptions {
  /**
   * Check every answer against the channel's output schema; a mismatch becomes INTERNAL with the
   * path. Default: on under tests (NODE_ENV=test or Vitest, inherited by the engine host), off in the
   * app, where the extra parse of every answer buys nothing a test would not have caught.
   */
  checkOutputs: boolean;
}

function underTests(): boolean {
  return process.env.NODE_ENV === 'test' || !!process.env.VITEST;
}

export function createDispatcher<C extends ContractShape>(
  contract: C,
  handlers: Handlers<C>,
  options: Partial<DispatcherOptions> = {},
): Dispatcher {
  const checkOutputs = options.checkOutputs ?? underTests();
  return {
    channels: () => Object.entries(contract).flatMap(([e, ms]) => Object.keys(ms).map((m) => `${e}.${m}`)),
    async call(channel, input) {
      const spec = typeof channel === 'string' ? findMethod(contract, channel) : undefined;
      if (!spec)
        return {
          ok: false,
          error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel ${String(channel).slice(0, 100)}` },
        };
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) return { ok: false, error: zodErrorToInfo(parsed.error) };
      const dot = channel.indexOf('.');
      const engine = handlers[channel.slice(0, dot) as keyof C] as Record<string, (i: unknown) => unknown>;
      const fn = engine[channel.slice(dot + 1)];
      if (typeof fn !== 'function')
        return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `no handler for ${channel}` } };
      try {
        const value = await fn.call(engine, parsed.data);
        if (checkOutputs) {
          const checked = spec.output.safeParse(value);
          if (!checked.success) {
            const first = checked.error.issues[0];
            return {
              ok: false,
              error: {
                code: 'INTERNAL',
                message: `the answer of ${channel} does not match its output schema at ${first?.path.join('.') || '(root)'}: ${first?.message ?? ''}`,
              },
            };
          }
        }
        return { ok: true, value };
      } catch (err) {
        return { ok: false, error: errorInfo(err) };
      }
    },
  };
}
