// A small command framework over node:util parseArgs: every command has a summary, a usage text shown
// by --help, human output by default and one JSON object per line with --json.
// Exit codes (docs/cli.md): 0 ok, 1 operation failed (network, I/O), 2 usage error, 3 problems found
// (e.g. TLS inspection found issues), 130 interrupted.
import type { ParseArgsConfig } from 'node:util';
import { errorSentence, isErrorCode } from '../shared/errors';
import { wireStringify } from '../shared/wire-json';
import { EngineError, toEngineError } from '../main/engines/common/errors';
import { isInputError } from './client';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PROBLEMS: 3, INTERRUPTED: 130 } as const;

export interface Io {
  json: boolean;
  out(human: string, record?: Record<string, unknown>): void;
  err(message: string): void;
  /** Resolves when the user presses Ctrl+C (or the process gets SIGTERM). */
  interrupted: Promise<void>;
  stdin: NodeJS.ReadableStream;
  /** Raw standard output, for bytes that must arrive unchanged (bodies, exported files). */
  stdout: NodeJS.WritableStream;
}

/** Where a run of the CLI reads and writes: the process's streams, or a test's. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
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

/**
 * Waits `ms` or until one of `until` settles, whichever is first, and clears its timer: a timer left
 * pending would hold a finished command for the rest of its --wait.
 */
export async function waitAtMost(ms: number, ...until: Promise<unknown>[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), ...until]);
  } finally {
    clearTimeout(timer);
  }
}

export function intArg(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    if (/port/i.test(name))
      throw new EngineError('PORT_OUT_OF_RANGE', `${name} must be ${min}..${max}, got "${String(value)}"`);
    throw new UsageError(`${name} must be a whole number ${min}..${max}, got "${String(value)}"`);
  }
  return n;
}

export function makeIo(json: boolean, interrupted: Promise<void>, streams: CliStreams): Io {
  return {
    json,
    interrupted,
    stdin: streams.stdin,
    stdout: streams.stdout,
    out(human, record) {
      if (json) {
        if (record) streams.stdout.write(`${wireStringify(record)}\n`);
      } else streams.stdout.write(`${human}\n`);
    },
    err(message) {
      streams.stderr.write(`${message}\n`);
    },
  };
}

/** Prints a coded error and picks the exit status: 2 for bad input (as the dispatcher refused it), else 1. */
export function reportError(err: unknown, json: boolean, streams: CliStreams): number {
  if (err instanceof UsageError) {
    streams.stderr.write(`wirelab: ${err.message}\n`);
    return EXIT.USAGE;
  }
  const e = toEngineError(err);
  if (json) streams.stdout.write(`${JSON.stringify({ type: 'error', code: e.code, message: e.message })}\n`);
  const sentence = isErrorCode(e.code) ? errorSentence(e.code) : '';
  streams.stderr.write(`wirelab: ${e.code}: ${sentence} (${e.message})\n`);
  return isInputError(e) ? EXIT.USAGE : EXIT.FAILED;
}

export const commonOptions = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * A number for a contract field, taken from a command-line word. Range and kind are the schema's to
 * check (so the CLI answers with the UI's codes); a word that is not a plain number becomes NaN, which
 * every numeric schema refuses.
 */
export function numArg(value: unknown): number {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
}

/** Like numArg, for options that may be left out: undefined lets the contract's default apply. */
export function optNum(value: unknown): number | undefined {
  return value === undefined ? undefined : numArg(value);
}
