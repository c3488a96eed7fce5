// The browser shell's engine host: src/main/host/index.ts started with child_process.fork and
// supervised (restarted when it dies). From the build it runs out/main/host.js next to this bundle.
// From TypeScript sources (tests, `tsx`) the sources and their dependencies are bundled once per
// process with esbuild, so a host (re)starts without resolving node_modules file by file; without
// esbuild they run through tsx's loader.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WirelabEvent } from '../shared/contract';
import { HostSupervisor, type HostChild, type SupervisorOptions } from '../main/host/supervisor';
import type { FromHost, HostInit } from '../main/host/protocol';
import { encodeBatch, encodeResult, type EncodedBatch } from '../main/host/wire';
import type { ShellBackend } from './backend';

export interface HostEntry {
  file: string;
  execArgv: string[];
}

let sourceBundle: string | undefined;

/** Bundles left by processes that are gone (killed before their exit handler ran). */
function removeStaleBundles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(/^host-(\d+)(\.mjs)?$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/**
 * The sources and their dependencies as one ESM file inside the repo. Dependencies are bundled too:
 * resolving, reading and compiling a few hundred files from node_modules was most of a host's start
 * (about 900 → 530 ms of CPU to 'ready'), and a restart after a crash pays it again.
 */
function bundleSources(entry: string, root: string): string | undefined {
  if (sourceBundle) return sourceBundle;
  // A process that already bundled the same checkout (a test starting shells in child processes) hands
  // its bundle down instead of each child bundling again (about 1.5 s of CPU each).
  const inherited = process.env.WIRELAB_HOST_BUNDLE;
  if (inherited && existsSync(inherited)) return (sourceBundle = inherited);
  try {
    // createRequire keeps bundlers of this file from following a dev-only dependency.
    const esbuild = createRequire(import.meta.url)('esbuild') as {
      buildSync(o: Record<string, unknown>): unknown;
    };
    const dir = join(root, 'node_modules', '.cache', 'wirelab-host');
    mkdirSync(dir, { recursive: true });
    removeStaleBundles(dir);
    const outdir = join(dir, `host-${process.pid}`);
    esbuild.buildSync({
      entryPoints: { index: entry },
      bundle: true,
      // What the engines import on first use (undici for load runs, the OpenAPI parser) goes to chunks
      // of its own, which a host that never uses it never reads or compiles.
      splitting: true,
      outExtension: { '.js': '.mjs' },
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // CommonJS dependencies call require() for Node's builtins; an ESM bundle has no require.
      banner: {
        js: "import { createRequire as __wirelabRequire } from 'node:module'; const require = __wirelabRequire(import.meta.url);",
      },
      outdir,
      logLevel: 'silent',
    });
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    sourceBundle = join(outdir, 'index.mjs');
    return sourceBundle;
  } catch {
    return undefined;
  }
}

export function hostEntry(): HostEntry {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const entry = join(dirname(here), '..', 'main', 'host', 'index.ts');
    const bundled = bundleSources(entry, join(dirname(here), '..', '..'));
    if (bundled) return { file: bundled, execArgv: [] };
    const loader = createRequire(import.meta.url).resolve('tsx');
    return { file: entry, execArgv: ['--import', pathToFileURL(loader).href] };
  }
  const dir = dirname(here);
  const candidates = [join(dir, 'host.js'), join(dir, '..', 'host.js'), join(dir, '..', 'main', 'host.js')];
  const built = candidates.find((c) => existsSync(c));
  if (built) return { file: built, execArgv: [] };
  // Bundled elsewhere (the benchmark harness): the sources of the checkout it runs in.
  const source = join(process.cwd(), 'src', 'main', 'host', 'index.ts');
  const bundled = existsSync(source) ? bundleSources(source, process.cwd()) : undefined;
  return { file: bundled ?? candidates[0]!, execArgv: [] };
}

export function forkHost(entry: HostEntry = hostEntry()): HostChild {
  const child = fork(entry.file, [], {
    execArgv: entry.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // An IPC write to a host that just died fails asynchronously; the exit handler does the rest.
  child.on('error', () => undefined);
  return {
    pid: child.pid,
    send(message) {
      if (child.connected) child.send(message, (err) => void err);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as FromHost)),
    onExit: (listener) => {
      if (child.exitCode !== null || child.signalCode !== null) listener(child.exitCode);
      else child.once('exit', (code) => listener(code));
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** The restart policy's knobs (benchmarks measure restarts back to back without the crash backoff). */
export type SupervisionOptions = Pick<
  SupervisorOptions,
  'maxCrashes' | 'crashWindowMs' | 'restartDelayMs' | 'warmSpare' | 'spareDelayMs'
>;

export interface EngineHostBackend extends ShellBackend {
  pid(): number | undefined;
  sparePid(): number | undefined;
  /** The engines closed and started again on `dataDir`, in the same host (HostSupervisor.reopen). */
  reopen(dataDir: string): Promise<void>;
}

/** A started, supervised engine host in the shape the browser shell forwards to. */
export async function startEngineHost(
  init: Omit<HostInit, 'encoding'>,
  supervision: Partial<SupervisionOptions> = {},
): Promise<EngineHostBackend> {
  let hold: () => boolean = () => false;
  const supervisor = new HostSupervisor({
    // A killed host is replaced by a spare whose code is already loaded: calls answer again in a few
    // hundred ms even on a busy machine, instead of seconds of loading (see SupervisorOptions).
    warmSpare: true,
    ...supervision,
    spawn: () => forkHost(),
    init: { ...init, encoding: 'wire' },
    holdAcks: () => hold(),
  });
  await supervisor.start();
  const asEncoded = (b: EncodedBatch | WirelabEvent[]): EncodedBatch =>
    Array.isArray(b) ? encodeBatch(b) : b;
  return {
    call: async (channel, input) => {
      const r = await supervisor.call(channel, input);
      return typeof r === 'string' ? r : encodeResult(r);
    },
    onBatch: (listener) => supervisor.onBatch((b) => listener(asEncoded(b))),
    onState: (listener) => supervisor.onState(listener),
    publish: (events) => supervisor.publish(events),
    channels: () => supervisor.channels(),
    holdBatches(h) {
      hold = h;
      return { release: () => supervisor.releaseAcks() };
    },
    pid: () => supervisor.pid(),
    sparePid: () => supervisor.sparePid(),
    reopen: (dataDir) => supervisor.reopen(dataDir),
    close: () => supervisor.close(),
  };
}
