// Section `tls`: a full inspection with scan (versions, every suite per version, groups, weaknesses) of
// a local node:tls server, against the same elimination scan done by a loop of `openssl s_client`
// calls in the same run (one process and one complete handshake per step, as a shell script would).
// Targets: faster than the openssl loop (ratio ≥ 1) and under 3 s. Both run in 5 interleaved rounds
// (bench/harness.ts) and each ratio is the median of the per-round ratios with its spread; --quick
// measures only Wirelab's rounds (the openssl loop is the long part).
// Also in the same run: testssl.sh (Debian's `testssl`) on the same server, once — it takes minutes, so
// --quick stops it at 40 s and reports the ratio as a lower bound (skipped with the reason where it is
// not installed); and a mass scan of 50 local servers (one process, 50 ports) 8 at a time against 50 ×
// the single full scan.
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { createServer } from 'node:tls';
import { buildCertificate } from '../../src/main/engines/common/x509-builder';
import { listen, closeServer } from '../../src/main/engines/common/net';
import { TlsInspector } from '../../src/main/engines/tls/inspector';
import { TlsInspectInput, TlsInspectManyInput } from '../../src/shared/contract/tls';
import { MIN_ROUNDS, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

const OPENSSL_STEP_TIMEOUT_MS = 5_000;
/** testssl.sh takes minutes against one server; this bounds the reference run. */
const TESTSSL_TIMEOUT_MS = 15 * 60_000;
/** Under --quick: long enough for testssl.sh's first sections, short enough for a busy machine. */
const TESTSSL_QUICK_CAP_MS = 40_000;
const MASS_TARGETS = 50;
const MASS_CONCURRENCY = 8;
/** Single scans of a mass-scan server timed for the mass figure's reference (after one warm-up). */
const SINGLE_ROUNDS = 3;
/** Hard cap on s_client processes, so the reference cannot run past the section's time budget. */
const OPENSSL_MAX_CALLS = 600;

interface SClient {
  ok: boolean;
  protocol?: string;
  cipher?: string;
  group?: string;
}

function sClient(port: number, args: string[]): Promise<SClient> {
  return new Promise((resolve) => {
    const child = spawn(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-brief', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), OPENSSL_STEP_TIMEOUT_MS);
    child.on('exit', () => {
      clearTimeout(timer);
      const protocol = /Protocol version: (\S+)/.exec(text)?.[1];
      const cipher = /Ciphersuite: (\S+)/.exec(text)?.[1];
      const group = /(?:Server Temp Key|Negotiated TLS1\.3 group): (?:ECDH, |DH, )?([^,\s]+)/.exec(text)?.[1];
      resolve({ ok: protocol !== undefined && cipher !== undefined, protocol, cipher, group });
    });
  });
}

function opensslList(args: string[]): string[] {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(/[:\n]/).filter(Boolean) : [];
}

/** The elimination scan, driven by openssl s_client: offer all, note the choice, remove it, repeat. */
async function opensslScan(
  port: number,
): Promise<{ ms: number; calls: number; suites: Record<string, string[]>; groups: string[] }> {
  const t0 = performance.now();
  let calls = 0;
  const legacy = opensslList(['ciphers', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0']).filter(
    (c) => !c.startsWith('TLS_'),
  );
  const tls13 = [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_CCM_SHA256',
    'TLS_AES_128_CCM_8_SHA256',
  ];
  const suites: Record<string, string[]> = {};
  for (const [flag, name] of [
    ['-tls1', 'TLSv1'],
    ['-tls1_1', 'TLSv1.1'],
    ['-tls1_2', 'TLSv1.2'],
  ] as const) {
    let remaining = [...legacy];
    suites[name] = [];
    while (remaining.length > 0 && calls < OPENSSL_MAX_CALLS) {
      calls++;
      const r = await sClient(port, [flag, '-cipher', `${remaining.join(':')}:@SECLEVEL=0`]);
      if (!r.ok || !r.cipher || !remaining.includes(r.cipher)) break;
      suites[name].push(r.cipher);
      remaining = remaining.filter((c) => c !== r.cipher);
    }
  }
  let remaining13 = [...tls13];
  suites['TLSv1.3'] = [];
  while (remaining13.length > 0 && calls < OPENSSL_MAX_CALLS) {
    calls++;
    const r = await sClient(port, ['-tls1_3', '-ciphersuites', remaining13.join(':')]);
    if (!r.ok || !r.cipher || !remaining13.includes(r.cipher)) break;
    suites['TLSv1.3'].push(r.cipher);
    remaining13 = remaining13.filter((c) => c !== r.cipher);
  }
  let groups = [
    'X25519',
    'P-256',
    'P-384',
    'P-521',
    'X448',
    'ffdhe2048',
    'ffdhe3072',
    'ffdhe4096',
    'ffdhe6144',
    'ffdhe8192',
  ];
  const found: string[] = [];
  while (groups.length > 0 && calls < OPENSSL_MAX_CALLS) {
    calls++;
    const r = await sClient(port, ['-tls1_3', '-groups', groups.join(':')]);
    const g =
      r.group === 'prime256v1'
        ? 'P-256'
        : r.group === 'secp384r1'
          ? 'P-384'
          : r.group === 'secp521r1'
            ? 'P-521'
            : r.group;
    if (!r.ok || !g || !groups.includes(g)) break;
    found.push(g);
    groups = groups.filter((x) => x !== g);
  }
  return { ms: performance.now() - t0, calls, suites, groups: found };
}

async function server(): Promise<{ port: number; close: () => Promise<void> }> {
  const root = buildCertificate({ commonName: 'Bench Root', ca: true });
  const leaf = buildCertificate({
    commonName: 'localhost',
    altNames: ['localhost', '127.0.0.1'],
    issuer: root,
    keySpec: 'ec-p256',
  });
  const s = createServer(
    { cert: leaf.certPem + root.certPem, key: leaf.keyPem, minVersion: 'TLSv1.2' },
    (sock) => sock.end(),
  );
  s.on('tlsClientError', () => undefined);
  // testssl.sh leaves connections the server never sees end; server.close() would wait on them with
  // nothing else keeping the process alive, and the run ended silently before printing its table.
  const open = new Set<Socket>();
  s.on('connection', (c: Socket) => {
    open.add(c);
    c.once('close', () => open.delete(c));
  });
  const { port } = await listen(s, 0, '127.0.0.1');
  const close = async () => {
    for (const c of open) c.destroy();
    await closeServer(s);
  };
  return { port, close };
}

export const tlsSection: BenchSection = {
  name: 'tls',
  description: 'full TLS scan of a local server vs an openssl s_client elimination loop',
  async run(log, options) {
    const { port, close } = await server();
    const out: BenchRecord[] = [];
    try {
      const inspector = new TlsInspector();
      const input = TlsInspectInput.parse({
        target: `localhost:${port}`,
        scan: true,
        http: 'never',
        resumption: false,
        noHistory: true,
        useSystemStore: false,
      });
      await inspector.inspect(input); // warm-up: trust store parse, JIT
      const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
      const withRef = hasOpenssl && !options?.quick;
      if (!hasOpenssl) log('openssl not installed: no reference measured');
      else if (!withRef) log('--quick: the openssl reference is not measured');
      type Run = { ms: number; handshakes: number; scanMs: number; calls: number };
      const candidates: { key: 'wirelab' | 'openssl'; run: () => Promise<Run> }[] = [
        {
          key: 'wirelab',
          run: async () => {
            const t0 = performance.now();
            const r = await inspector.inspect(input);
            return {
              ms: performance.now() - t0,
              handshakes: r.scan?.handshakes ?? 0,
              scanMs: r.scan?.durationMs ?? 0,
              calls: 0,
            };
          },
        },
      ];
      if (withRef)
        candidates.push({
          key: 'openssl',
          run: async () => {
            const ref = await opensslScan(port);
            log(
              `openssl s_client loop: ${ref.ms.toFixed(0)} ms, ${ref.calls} handshakes; TLSv1.2 ${ref.suites['TLSv1.2']?.length} suites, TLSv1.3 ${ref.suites['TLSv1.3']?.length}, groups ${ref.groups.length}`,
            );
            return { ms: ref.ms, handshakes: ref.calls, scanMs: ref.ms, calls: ref.calls };
          },
        });
      const res = await interleaved(candidates, MIN_ROUNDS);
      await inspector.close();
      const runs = res.get('wirelab') ?? [];
      const refs = res.get('openssl');
      for (const r of runs)
        log(
          `wirelab: full inspection + scan ${r.ms.toFixed(0)} ms (scan ${r.scanMs.toFixed(0)} ms), ${r.handshakes} handshakes`,
        );
      const median = (xs: number[]) => spreadOf(xs).median;
      const ms = runs.map((r) => r.ms);
      out.push(
        record('tls', {
          name: 'full scan wall time (ratio = openssl loop / wirelab, higher is better)',
          value: median(ms),
          unit: 'ms',
          reference: refs ? 'openssl s_client elimination loop' : null,
          referenceValue: refs ? median(refs.map((r) => r.ms)) : null,
          ...(refs
            ? {
                ratioSamples: pairedRatios(
                  ms,
                  refs.map((r) => r.ms),
                  true,
                ),
              }
            : { ratio: null }),
          target: refs ? 1 : null,
          basis: 'wall',
        }),
        record('tls', {
          name: 'full scan wall time against the 3 s budget (ratio = 3000 / wirelab)',
          value: median(ms),
          unit: 'ms',
          reference: '3 s budget',
          referenceValue: 3000,
          ratioSamples: ms.map((m) => 3000 / m),
          target: 1,
          basis: 'wall',
        }),
        record('tls', {
          name: 'handshakes made by the scan',
          value: median(runs.map((r) => r.handshakes)),
          unit: 'handshakes',
          reference: refs ? 'openssl s_client calls' : null,
          referenceValue: refs ? median(refs.map((r) => r.calls)) : null,
          target: null,
          basis: 'count',
        }),
      );
      out.push(...(await massThroughput(log)));
      // A full testssl.sh run takes minutes; --quick (or WIRELAB_BENCH_TESTSSL_MS) caps it, and a run
      // stopped at the cap still gives a lower bound of the ratio.
      const cap =
        Number(process.env.WIRELAB_BENCH_TESTSSL_MS) ||
        (options?.quick ? TESTSSL_QUICK_CAP_MS : TESTSSL_TIMEOUT_MS);
      const t = await testsslScan(port, log, cap);
      if (t)
        out.push(
          record('tls', {
            name: t.finished
              ? 'full scan vs testssl.sh on the same server (ratio = testssl / wirelab)'
              : `full scan vs testssl.sh on the same server (ratio = testssl / wirelab, a lower bound: testssl.sh was stopped at ${Math.round(cap / 1000)} s)`,
            value: median(ms),
            unit: 'ms',
            reference: `testssl.sh ${t.version} (one run${t.finished ? '' : ', unfinished'})`,
            referenceValue: t.ms,
            ratio: t.ms / median(ms),
            target: 1,
            basis: 'wall',
          }),
        );
    } finally {
      await close();
    }
    return out;
  },
};

/** testssl.sh's default full run against 127.0.0.1:port, once; undefined (with the reason logged) where missing. */
async function testsslScan(
  port: number,
  log: (m: string) => void,
  capMs: number,
): Promise<{ ms: number; version: string; finished: boolean } | undefined> {
  const probe = spawnSync('testssl', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0 && !probe.stdout) {
    log('testssl.sh not installed (apt-get install testssl.sh): no testssl reference');
    return undefined;
  }
  const version = /testssl(?:\.sh)?\s+(\d+\.\d+[\w.-]*)/.exec(probe.stdout)?.[1] ?? '?';
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      'testssl',
      ['--quiet', '--color', '0', '--warnings', 'off', '--ip', 'one', `127.0.0.1:${port}`],
      { stdio: 'ignore', detached: true },
    );
    // testssl.sh runs openssl children of its own: the whole process group is stopped at the cap.
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, capMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const ms = performance.now() - t0;
  const finished = code !== null;
  log(
    `testssl.sh ${version}: ${(ms / 1000).toFixed(1)} s (${finished ? `exit ${code}` : `stopped at the ${Math.round(capMs / 1000)} s cap`})`,
  );
  return { ms, version, finished };
}

/**
 * 50 listeners in one child process (the scanner keeps this process's event loop to itself, as it would
 * against real servers), inspected 8 at a time with a full scan each, against 50 × one full scan of one
 * of those servers (the median of SINGLE_ROUNDS).
 */
async function massThroughput(log: (m: string) => void): Promise<BenchRecord[]> {
  const root = buildCertificate({ commonName: 'Bench Root', ca: true });
  const leaf = buildCertificate({ commonName: 'localhost', altNames: ['localhost'], issuer: root });
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const tls = require('node:tls');
       const opts = { cert: process.env.CERT, key: process.env.KEY, minVersion: 'TLSv1.2' };
       const ports = [];
       let left = Number(process.env.N);
       for (let i = 0; i < Number(process.env.N); i++) {
         const s = tls.createServer(opts, (c) => { c.on('error', () => {}); c.end(); });
         s.on('tlsClientError', () => {});
         s.listen(0, '127.0.0.1', () => { ports.push(s.address().port); if (--left === 0) console.log(JSON.stringify(ports)); });
       }`,
    ],
    {
      env: { ...process.env, CERT: leaf.certPem + root.certPem, KEY: leaf.keyPem, N: String(MASS_TARGETS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const ports = await new Promise<number[]>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve(JSON.parse(text) as number[]);
      });
      child.on('exit', (code) => reject(new Error(`server process exited (${code})`)));
    });
    const targets = ports.map((p) => `localhost:${p}`);
    const inspector = new TlsInspector();
    const options = {
      scan: true,
      http: 'never',
      resumption: false,
      noHistory: true,
      useSystemStore: false,
    } as const;
    // The reference is a single full scan of one of these same servers (same process, key and settings),
    // after a warm-up: the section's own single-scan server lives in this process and would not compare.
    await inspector.inspect(TlsInspectInput.parse({ ...options, target: targets[0] }));
    const singles: number[] = [];
    for (let i = 0; i < SINGLE_ROUNDS; i++) {
      const s0 = performance.now();
      await inspector.inspect(TlsInspectInput.parse({ ...options, target: targets[i % targets.length] }));
      singles.push(performance.now() - s0);
    }
    const singleMs = spreadOf(singles).median;
    log(`single full scan of one of these servers: ${singles.map((m) => m.toFixed(0)).join(', ')} ms`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const outcome = await inspector.inspectMany(
      TlsInspectManyInput.parse({ targets, concurrency: MASS_CONCURRENCY, options }),
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    await inspector.close();
    const failed = outcome.rows.filter((r) => !r.ok).length;
    log(
      `mass scan: ${MASS_TARGETS} servers, ${MASS_CONCURRENCY} at a time, full scan each: ${(ms / 1000).toFixed(1)} s (${failed} failed), scanner CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; 50 × single = ${((MASS_TARGETS * singleMs) / 1000).toFixed(1)} s`,
    );
    return [
      record('tls', {
        name: `mass scan of ${MASS_TARGETS} servers, ${MASS_CONCURRENCY} at a time (ratio = ${MASS_TARGETS} × single scan / mass)`,
        value: ms,
        unit: 'ms',
        reference: `${MASS_TARGETS} × the single full scan`,
        referenceValue: MASS_TARGETS * singleMs,
        ratio: (MASS_TARGETS * singleMs) / ms,
        target: 2,
        basis: 'wall',
      }),
      record('tls', {
        name: 'mass scan throughput',
        value: MASS_TARGETS / (ms / 1000),
        unit: 'targets/s',
        reference: null,
        referenceValue: null,
        target: null,
        basis: 'count',
      }),
    ];
  } finally {
    child.kill('SIGKILL');
  }
}
