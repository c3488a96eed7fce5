// The contract is data: per engine, a record of methods, each an input and an output zod schema.
// Channel names are derived (`engine.method`), so the IPC handlers, the browser-shell socket, the
// preload API object and the dispatcher are all generated from one table and cannot drift apart.
import type { z } from 'zod';
import { isErrorCode, type ErrorCode, type ErrorInfo, type Result } from '../errors';

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodSpec<I, O> {
  return { input, output };
}

export type EngineMethods = Record<string, MethodSpec>;
export type ContractShape = Record<string, EngineMethods>;

export type MethodInput<M extends MethodSpec> = z.input<M['input']>;
export type MethodOutput<M extends MethodSpec> = z.output<M['output']>;

export type EngineApi<C extends EngineMethods> = {
  [K in keyof C]: (input: MethodInput<C[K]>) => Promise<Result<MethodOutput<C[K]>>>;
};

export type ContractApi<C extends ContractShape> = { [E in keyof C]: EngineApi<C[E]> };

export function channelName(engine: string, methodName: string): string {
  return `${engine}.${methodName}`;
}

export function listChannels(contract: ContractShape): string[] {
  const out: string[] = [];
  for (const [engine, methods] of Object.entries(contract)) {
    for (const m of Object.keys(methods)) out.push(channelName(engine, m));
  }
  return out;
}

export function findMethod(contract: ContractShape, channel: string): MethodSpec | undefined {
  const dot = channel.indexOf('.');
  if (dot <= 0) return undefined;
  const engineName = channel.slice(0, dot);
  const methodName = channel.slice(dot + 1);
  // Own properties only: "__proto__.toString" must not reach Object.prototype.
  if (!Object.hasOwn(contract, engineName)) return undefined;
  const engine = contract[engineName];
  if (!engine || !Object.hasOwn(engine, methodName)) return undefined;
  return engine[methodName];
}

/** Builds the typed API object from any `invoke(channel, input)` transport. */
export function buildContractApi<C extends ContractShape>(
  contract: C,
  invoke: (channel: string, input: unknown) => Promise<Result<unknown>>,
): ContractApi<C> {
  const api: Record<string, Record<string, (input: unknown) => Promise<Result<unknown>>>> = {};
  for (const [engine, methods] of Object.entries(contract)) {
    const ns: Record<string, (input: unknown) => Promise<Result<unknown>>> = {};
    for (const m of Object.keys(methods)) {
      const channel = channelName(engine, m);
      ns[m] = (input: unknown) => invoke(channel, input);
    }
    api[engine] = Object.freeze(ns);
  }
  return Object.freeze(api) as unknown as ContractApi<C>;
}

/**
 * Schema issues may name a stable code by starting their message with `CODE: ` (see `coded`).
 * The first such issue decides the code; otherwise INVALID_INPUT.
 */
export function zodErrorToInfo(error: z.ZodError): ErrorInfo {
  let code: ErrorCode = 'INVALID_INPUT';
  const parts: string[] = [];
  for (const issue of error.issues) {
    const m = /^([A-Z_]+): (.*)$/s.exec(issue.message);
    const path = issue.path.length ? issue.path.join('.') : 'input';
    if (m && isErrorCode(m[1])) {
      if (code === 'INVALID_INPUT') code = m[1];
      parts.push(`${path}: ${m[2]}`);
    } else {
      parts.push(`${path}: ${issue.message}`);
    }
  }
  return { code, message: parts.join('; ') };
}

/** An issue message carrying a stable error code. */
export function coded(code: ErrorCode, message: string): { error: string } {
  return { error: `${code}: ${message}` };
}
