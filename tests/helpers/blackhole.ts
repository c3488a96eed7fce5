// A loopback port whose SYNs go unanswered, for connect-timeout tests without leaving the machine:
// a listener with backlog 0 that never accepts (python3, because Node always accepts), its tiny
// accept queue filled by a few parked connections. Further connects then hang until their timeout.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface Blackhole {
  port: number;
  close(): Promise<void>;
}

const SCRIPT = `
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  const parked: Socket[] = [];
  // Fill the accept queue: connect until one attempt does not complete within 300 ms.
  for (let i = 0; i < 16; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    parked.push(s);
    const ok = await new Promise<boolean>((r) => {
      const t = setTimeout(() => r(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        r(true);
      });
    });
    if (!ok) break;
  }
  return {
    port,
    async close() {
      for (const s of parked) s.destroy();
      child.stdin.end();
      child.kill();
    },
  };
}
