// Runs `wirelab` command lines in the test's own process (runCli with captured streams): no child
// process and no TypeScript loader per call, so CLI tests stay fast on a busy machine. A few tests spawn
// the real program to cover the entry point itself (tests/integration/cli/bin.test.ts).
import { PassThrough, Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { runCli } from '../../src/cli/index';

export interface CliRun {
  /** The exit status, once the command has ended. */
  exit: Promise<number>;
  out(): string;
  outBytes(): Buffer;
  err(): string;
  /** As if Ctrl+C was pressed. */
  interrupt(): void;
  /** Standard input of the run; end() it for commands that read until EOF. */
  stdin: PassThrough;
  /** Resolves with the first match of `re` in stdout (or fails after `ms`). */
  waitOut(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

export interface CliOptions {
  /** Written to stdin, which is then ended. Without it stdin stays open until the run ends. */
  input?: string | Uint8Array;
}

export function startCli(argv: string[], options: CliOptions = {}): CliRun {
  const outChunks: Buffer[] = [];
  let err = '';
  // Plain writables record synchronously, so the output is complete when the exit status is known.
  const sink = (push: (b: Buffer) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        cb();
      },
    });
  const stdout = sink((b) => outChunks.push(b));
  const stderr = sink((b) => (err += b.toString('utf8')));
  const stdin = new PassThrough();
  let interrupt = () => {};
  const interrupted = new Promise<void>((r) => (interrupt = r));
  if (options.input !== undefined) stdin.end(options.input);
  let ended = false;
  const exit = runCli(argv, { stdout, stderr, stdin, interrupted }).finally(() => {
    ended = true;
    stdin.destroy();
  });
  // A test that fails half-way still stops its command (servers, sockets).
  onTestFinished(async () => {
    interrupt();
    await exit.catch(() => undefined);
  });
  const out = () => Buffer.concat(outChunks).toString('utf8');
  return {
    exit,
    out,
    outBytes: () => Buffer.concat(outChunks),
    err: () => err,
    interrupt,
    stdin,
    async waitOut(re, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(out());
        if (m) return m;
        if (ended || Date.now() > deadline)
          throw new Error(`no ${re} in stdout: ${out().slice(0, 2000)} / stderr: ${err.slice(0, 2000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Runs a command line to its end: exit status and output. */
export async function cli(
  argv: string[],
  options: CliOptions = {},
): Promise<{ code: number; out: string; err: string; outBytes: Buffer }> {
  const run = startCli(argv, options);
  const code = await run.exit;
  return { code, out: run.out(), err: run.err(), outBytes: run.outBytes() };
}

/** stdout lines parsed as JSON (--json output). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
