// A small command framework over node:util parseArgs: every command has a summary, a usage text shown
// by --help, human output by default and one JSON object per line with --json.
// Exit codes (docs/cli.md): 0 ok, 1 operation failed (network, I/O), 2 usage error, 3 problems found
// (e.g. TLS inspection found issues), 130 interrupted.
import type { ParseArgsConfig } from 'node:util';
import { errorSentence, isErrorCode } from '../shared/errors';
import { wireStringify } from '../shared/wire-json';
import { EngineError, toEngineError } from '../main/engines/common/errors';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PROBLEMS: 3, INTERRUPTED: 130 } as const;

export interface Io {
  json: boolean;
  out(human: string, record?: Record<string, unknown>): void;
  err(message: string): void;
  /** Resolves when the user presses Ctrl+C (or the process gets SIGTERM). */
  interrupted: Promise<void>;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  /** Words that select it, e.g. ['tcp', 'listen']. */
  path: string[];
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(
    args: {
      values: Record<string, string | boolean | string[] | boolean[] | undefined>;
      positionals: string[];
    },
    io: Io,
  ): Promise<number>;
}

export class UsageError extends Error {}

export function intArg(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    if (/port/i.test(name))
      throw new EngineError('PORT_OUT_OF_RANGE', `${name} must be ${min}..${max}, got "${String(value)}"`);
    throw new UsageError(`${name} must be a whole number ${min}..${max}, got "${String(value)}"`);
  }
  return n;
}

export function makeIo(json: boolean, interrupted: Promise<void>): Io {
  return {
    json,
    interrupted,
    stdin: process.stdin,
    out(human, record) {
      if (json) {
        if (record) process.stdout.write(`${wireStringify(record)}\n`);
      } else process.stdout.write(`${human}\n`);
    },
    err(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

export function reportError(err: unknown, json: boolean): number {
  if (err instanceof UsageError) {
    process.stderr.write(`wirelab: ${err.message}\n`);
    return EXIT.USAGE;
  }
  const e = toEngineError(err);
  if (json) process.stdout.write(`${JSON.stringify({ type: 'error', code: e.code, message: e.message })}\n`);
  const sentence = isErrorCode(e.code) ? errorSentence(e.code) : '';
  process.stderr.write(`wirelab: ${e.code}: ${sentence} (${e.message})\n`);
  return e.code === 'INVALID_INPUT' || e.code === 'PORT_OUT_OF_RANGE' || e.code === 'INVALID_HEX'
    ? EXIT.USAGE
    : EXIT.FAILED;
}

export const commonOptions = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
