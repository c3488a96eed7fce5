// Runs one UDP endpoint inside a network namespace for netns.test.ts (spawned with `ip netns exec`).
// argv[2] is a JSON job; output is one JSON object per line: {ready}, {datagram}, {sent}, {error}.
import { UdpEndpoint } from '../../../src/main/engines/udp/socket';

interface Job {
  family: 'udp4' | 'udp6';
  host: string;
  port: number;
  reuseAddr?: boolean;
  broadcast?: boolean;
  multicastInterface?: string;
  multicastTtl?: number;
  join?: { group: string; iface?: string };
  /** Leave the joined group again before reporting ready (nothing should arrive). */
  leaveAgain?: boolean;
  send?: { host: string; port: number; text: string; times?: number };
  /** After `send`: change the multicast TTL on the live socket and send `text` once more. */
  then?: { multicastTtl: number; text: string };
  /** Receiver: exit after this many datagrams or `timeoutMs`. */
  expect?: number;
  timeoutMs?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const ep = new UdpEndpoint('ns', {
    family: job.family,
    host: job.host,
    port: job.port,
    reuseAddr: job.reuseAddr ?? false,
    broadcast: job.broadcast ?? false,
    multicastInterface: job.multicastInterface,
    multicastTtl: job.multicastTtl ?? 1,
  });
  let got = 0;
  const done = new Promise<void>((resolve) => {
    ep.on((e) => {
      if (e.type === 'datagram') {
        out({ datagram: Buffer.from(e.data).toString('utf8'), from: e.from });
        if (++got >= (job.expect ?? Infinity)) resolve();
      }
    });
    setTimeout(resolve, job.timeoutMs ?? 5000);
  });
  const info = await ep.start();
  if (job.join) ep.join(job.join.group, job.join.iface);
  if (job.join && job.leaveAgain) ep.leave(job.join.group, job.join.iface);
  out({ ready: info.port });
  if (job.send) {
    for (let i = 0; i < (job.send.times ?? 1); i++) {
      const r = await ep.send(Buffer.from(job.send.text), job.send.host, job.send.port);
      out({ sent: r });
      await new Promise((r2) => setTimeout(r2, 50));
    }
    if (job.then) {
      ep.setOptions({ multicastTtl: job.then.multicastTtl });
      out({ sent: await ep.send(Buffer.from(job.then.text), job.send.host, job.send.port) });
    }
  } else await done;
  await ep.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    out({ error: e.code ?? 'INTERNAL', message: e.message });
    process.exit(1);
  },
);
