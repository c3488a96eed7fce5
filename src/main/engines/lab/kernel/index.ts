// The kernel check: the lab's TCP path run by Linux's own TCP between two network namespaces, through
// the impairing relay of ./script.ts (Python) at the IP level (a TUN device per namespace). The script is bundled as
// text and run with `python3 -c`, so it needs no file next to the app. Linux only, with root or
// CAP_NET_ADMIN + CAP_SYS_ADMIN (creating namespaces and TUN devices), /dev/net/tun, `ip` and python3.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EngineError } from '../../common/errors';
import { KERNEL_TCP_PY as script } from './script';
import type { TcpPathOptions } from '../tcp-model';

/** The kernel check runs exactly the model's path options (the same seeded impairment). */
export type KernelTcpOptions = TcpPathOptions;

export interface KernelTcpResult {
  congestionControl: string;
  sent: number;
  handshakeMs: number;
  teardownMs?: number | null;
  senderBlockedMs: number;
  /** tcpi_rwnd_limited: time held back by the receive window (null on kernels before 4.10). */
  windowLimitedMs?: number | null;
  retransmissions: number;
  timedOut: boolean;
  /** Application reads at the receiver: [ms since the first message was due, bytes]. */
  reads: [number, number][];
  relay: { units: number; dropped: number; duplicated: number; reordered: number; queueDropped: number };
  counters: Partial<
    Record<'tailLossProbes' | 'timeouts' | 'fastRecoveries' | 'spuriousTimeouts' | 'dsacksReceived', number>
  >;
}

export type KernelAvailability = { available: true } | { available: false; reason: string };

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

function hasCapabilities(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m?.[1]) return false;
    const eff = BigInt(`0x${m[1]}`);
    return ((eff >> BigInt(CAP_NET_ADMIN)) & 1n) === 1n && ((eff >> BigInt(CAP_SYS_ADMIN)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Whether `cmd args` exits with 0. Asynchronous, so the engine stays responsive while it starts. */
function runs(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    // Generous: a python3 behind a version-manager shim can take seconds to start on a busy machine.
    const child = spawn(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** Whether this process may run the kernel check, and if not, the reason in one sentence. */
export async function kernelCheckAvailability(): Promise<KernelAvailability> {
  if (process.platform !== 'linux')
    return { available: false, reason: 'The kernel check needs Linux (network namespaces and TUN devices).' };
  if (!hasCapabilities())
    return {
      available: false,
      reason: 'The kernel check needs root or CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces.',
    };
  if (!existsSync('/dev/net/tun'))
    return { available: false, reason: 'The kernel check needs /dev/net/tun (modprobe tun).' };
  if (!(await runs('ip', ['netns', 'list'])))
    return {
      available: false,
      reason: "The kernel check needs the `ip` command (iproute2) with 'ip netns'.",
    };
  if (!(await runs('python3', ['-c', 'import fcntl, ctypes, select'])))
    return { available: false, reason: 'The kernel check needs python3 for its TUN relay.' };
  return { available: true };
}

/**
 * Runs the lab's TCP path through the kernel. `signal` aborts it (the script removes its namespaces on
 * SIGTERM). Resolves with what the receiver read; rejects with a coded error.
 */
export function runKernelTcp(o: KernelTcpOptions, signal?: AbortSignal): Promise<KernelTcpResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let errText = '';
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (errText.length < 4000) errText += b.toString();
    });
    child.on('error', (err) => reject(new EngineError('NOT_SUPPORTED', `kernel check: ${err.message}`)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      const text = Buffer.concat(out).toString().trim();
      let parsed: (KernelTcpResult & { error?: string }) | undefined;
      try {
        parsed = text
          ? (JSON.parse(text.split('\n').at(-1) as string) as KernelTcpResult & { error?: string })
          : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed && !parsed.error && code === 0) resolve(parsed);
      else if (signal?.aborted) reject(new EngineError('INTERNAL', 'kernel check stopped'));
      else
        reject(
          new EngineError(
            'INTERNAL',
            `kernel check failed: ${parsed?.error ?? (errText.trim() || `python3 exited with ${String(code)}`)}`,
          ),
        );
    });
  });
}
