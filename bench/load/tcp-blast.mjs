// Load generator (child process, so it does not share the measured process's event loop):
// N connections each writing CHUNK-byte buffers as fast as backpressure allows for SECONDS.
//   node bench/load/tcp-blast.mjs PORT CONNS SECONDS CHUNK
import { connect } from 'node:net';

const [port, conns = '50', seconds = '3', chunk = '65536'] = process.argv.slice(2);
const buf = Buffer.alloc(Number(chunk), 0x61);
const deadline = Date.now() + Number(seconds) * 1000;
let sent = 0;
let open = 0;
for (let i = 0; i < Number(conns); i++) {
  const s = connect(Number(port), '127.0.0.1');
  open++;
  s.on('error', () => undefined);
  s.on('close', () => {
    if (--open === 0) {
      process.stdout.write(`${JSON.stringify({ sent })}\n`);
      process.exit(0);
    }
  });
  const pump = () => {
    while (Date.now() < deadline) {
      sent += buf.length;
      if (!s.write(buf)) return void s.once('drain', pump);
    }
    s.end();
  };
  s.on('connect', pump);
  s.on('data', () => undefined);
}
