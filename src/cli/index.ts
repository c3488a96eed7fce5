// Entry of the `wirelab` command. Picks the longest command path matching argv, parses its options and
// runs it; --help at any level prints usage. See docs/cli.md for exit codes.
import { parseArgs } from 'node:util';
import { commands } from './commands';
import {
  EXIT,
  UsageError,
  commonOptions,
  makeIo,
  reportError,
  type CliStreams,
  type Command,
} from './framework';
import { version } from './version';

function topHelp(): string {
  const groups = new Map<string, Command[]>();
  for (const c of commands) {
    const key = c.path[0] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const lines = [
    'wirelab — network toolkit (the engines of the Wirelab app, headless)',
    '',
    'Usage: wirelab COMMAND [options]   (wirelab COMMAND --help for details)',
    '',
  ];
  for (const list of groups.values())
    for (const c of list) lines.push(`  ${c.path.join(' ').padEnd(22)} ${c.summary}`);
  lines.push(
    '',
    'Common options: --json (one JSON object per line), --help',
    'Exit codes: 0 ok, 1 failed, 2 bad input, 3 problems found, 130 interrupted',
    `Version ${version}`,
  );
  return lines.join('\n');
}

export interface RunOptions extends CliStreams {
  /** Resolves when the run should stop as if Ctrl+C was pressed. */
  interrupted: Promise<void>;
}

/**
 * Runs one `wirelab` command line in this process and resolves with its exit status. The program
 * (bin/wirelab.mjs) passes the process's streams and signals; tests pass their own streams.
 */
export async function runCli(argv: string[], o: RunOptions): Promise<number> {
  const streams: CliStreams = { stdout: o.stdout, stderr: o.stderr, stdin: o.stdin };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    o.stdout.write(`${topHelp()}\n`);
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    o.stdout.write(`${version}\n`);
    return EXIT.OK;
  }
  const matches = commands
    .filter((c) => c.path.every((w, i) => argv[i] === w))
    .sort((a, b) => b.path.length - a.path.length);
  const cmd = matches[0];
  if (!cmd) {
    const group = commands.filter((c) => c.path[0] === argv[0]);
    if (group.length && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')) {
      o.stdout.write(`${group.map((c) => `  ${c.path.join(' ').padEnd(22)} ${c.summary}`).join('\n')}\n`);
      return argv[1] ? EXIT.OK : EXIT.USAGE;
    }
    o.stderr.write(`wirelab: unknown command "${argv.slice(0, 2).join(' ')}" — see wirelab --help\n`);
    return EXIT.USAGE;
  }
  const rest = argv.slice(cmd.path.length);
  let parsed: ReturnType<typeof parseArgs>;
  const json = rest.includes('--json');
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...commonOptions, ...cmd.options },
      allowPositionals: true,
      strict: true,
      allowNegative: false,
    });
  } catch (err) {
    usageJson(json, (err as Error).message, o);
    o.stderr.write(`wirelab: ${(err as Error).message}\n\n${cmd.usage}\n`);
    return EXIT.USAGE;
  }
  if (parsed.values.help) {
    o.stdout.write(`${cmd.summary}\n\n${cmd.usage}\n`);
    return EXIT.OK;
  }
  let interrupted = false;
  void o.interrupted.then(() => (interrupted = true));
  try {
    return await cmd.run(parsed as never, makeIo(json, o.interrupted, streams));
  } catch (err) {
    if (err instanceof UsageError) {
      usageJson(json, err.message, o);
      o.stderr.write(`wirelab: ${err.message}\n\n${cmd.usage}\n`);
      return EXIT.USAGE;
    }
    const code = reportError(err, json, streams);
    // A command cut short by Ctrl+C (a request cancelled half-way) ends 130, as shells expect.
    return interrupted ? EXIT.INTERRUPTED : code;
  }
}

/** With --json, a usage error is also one JSON line, so scripts read every failure the same way. */
function usageJson(json: boolean, message: string, o: CliStreams): void {
  if (json) o.stdout.write(`${JSON.stringify({ type: 'error', code: 'INVALID_INPUT', message })}\n`);
}

/** The program: the process's streams; Ctrl+C or SIGTERM interrupts the command. */
export async function main(argv: string[]): Promise<number> {
  let onSignal = () => {};
  const interrupted = new Promise<void>((resolve) => (onSignal = resolve));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // `wirelab … | head`: the reader has gone, so stop quietly as Unix tools do, without a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(EXIT.OK);
  });
  try {
    return await runCli(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      interrupted,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// Run when executed as a program (out/main/cli.js via bin/wirelab.mjs, or tsx), not when imported.
const invokedDirectly =
  process.argv[1] && /(?:^|[\\/])(cli\.(?:js|mjs|ts)|wirelab(?:\.mjs)?)$/.test(process.argv[1]);
if (invokedDirectly || process.env.WIRELAB_CLI_MAIN === '1') {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Engines close their handles; a forced exit guards against a stray timer keeping us alive.
    setTimeout(() => process.exit(code), 200).unref();
  });
}
