// Servers with the two bugs no installed TLS stack has, for the positive cases of the session checks:
// - laxCbcServer: a TLS 1.2 ECDHE-ECDSA-AES128-SHA server that completes real handshakes but checks only
//   the last CBC padding byte (the F5/A10 POODLE-TLS bug); it answers each application record it accepts.
// - ticketbleedProxy: a TCP proxy in front of a node:tls server that, like F5's Ticketbleed bug, pads the
//   session id it echoes on ticket resumption to 32 bytes (here with random "memory").
// Both on 127.0.0.1 port 0, closed when the test finishes.
import { createDecipheriv, createECDH, createHash, createHmac, randomBytes, sign } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { closeServer, listen } from '../../../src/main/engines/common/net';
import type { BuiltCertificate } from '../../../src/main/engines/common/x509-builder';
import { buildSuiteTable } from '../../../src/main/engines/tls/cipher-suites';
import { RecordProtection, prf, sessionParams } from '../../../src/main/engines/tls/session12';

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const hs = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const rec = (type: number, body: Buffer) =>
  Buffer.concat([Buffer.from([type, 3, 3]), u16(body.length), body]);

/** Listens on 127.0.0.1 port 0; on cleanup, open connections are destroyed before the close. */
async function serve(onConnection: (s: Socket) => void): Promise<number> {
  const open = new Set<Socket>();
  const server = createServer((s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    onConnection(s);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => {
    for (const s of open) s.destroy();
    return closeServer(server);
  });
  return port;
}

/** Splits a byte stream into TLS records; keeps the remainder. */
function recordReader(onRecord: (type: number, payload: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const len = pending.readUInt16BE(3);
      if (pending.length < 5 + len) return;
      const type = pending[0] ?? 0;
      const payload = pending.subarray(5, 5 + len);
      pending = pending.subarray(5 + len);
      onRecord(type, payload);
    }
  };
}

export async function laxCbcServer(leaf: BuiltCertificate, chain: Uint8Array[]): Promise<number> {
  const suite = buildSuiteTable().byCode(0xc009)!;
  const p = sessionParams(suite)!;
  return serve((socket: Socket) => {
    socket.on('error', () => undefined);
    const transcript: Buffer[] = [];
    const sr = randomBytes(32);
    let cr: Buffer = Buffer.alloc(32);
    const ecdh = createECDH('prime256v1');
    const point = ecdh.generateKeys();
    let keys: { out: RecordProtection; macKey: Buffer; key: Buffer; seq: bigint; master: Buffer } | undefined;
    let clientCcs = false;
    // Lax: the MAC is checked, of the padding only its last (length) byte.
    const laxOpen = (type: number, payload: Buffer): Buffer | undefined => {
      const k = keys!;
      const d = createDecipheriv('aes-128-cbc', k.key, payload.subarray(0, 16)).setAutoPadding(false);
      const pt = Buffer.concat([d.update(payload.subarray(16)), d.final()]);
      const end = pt.length - (pt[pt.length - 1] ?? 0) - 1 - 20;
      if (end < 0) return undefined;
      const data = pt.subarray(0, end);
      const seq = Buffer.alloc(8);
      seq.writeBigUInt64BE(k.seq++);
      const head = Buffer.concat([Buffer.from([type, 3, 3]), u16(data.length)]);
      const mac = createHmac('sha1', k.macKey)
        .update(Buffer.concat([seq, head, data]))
        .digest();
      return mac.equals(pt.subarray(end, end + 20)) ? data : undefined;
    };
    // Not a TLS record (an SSLv2 hello): refused at once, as a TLS 1.2-only stack does.
    socket.once('data', (d: Buffer) => {
      if (d[0] !== 22) socket.destroy();
    });
    socket.on(
      'data',
      recordReader((type, payload) => {
        if (type === 22 && !clientCcs && payload[0] === 1) {
          // TLS 1.2 with ECDHE-ECDSA-AES128-SHA only; anything else is refused at once.
          const sidLen = payload[38] ?? 0;
          const suitesLen = payload.readUInt16BE(39 + sidLen);
          const offered = payload.subarray(41 + sidLen, 41 + sidLen + suitesLen);
          const ok =
            payload.readUInt16BE(4) >= 0x0303 &&
            [...Array(suitesLen / 2).keys()].some((i) => offered.readUInt16BE(i * 2) === 0xc009);
          if (!ok) return void socket.end(rec(21, Buffer.from([2, 40])));
          transcript.push(payload);
          cr = payload.subarray(6, 38);
          const hello = Buffer.concat([u16(0x0303), sr, Buffer.from([0]), u16(0xc009), Buffer.from([0])]);
          const exts = Buffer.from([0xff, 0x01, 0, 1, 0]);
          const certs = Buffer.concat([leaf.der, ...chain].map((c) => Buffer.concat([u24(c.length), c])));
          const params = Buffer.concat([Buffer.from([3]), u16(0x0017), Buffer.from([point.length]), point]);
          const sig = sign('sha256', Buffer.concat([cr, sr, params]), leaf.key.privateKey);
          const ske = Buffer.concat([params, u16(0x0403), u16(sig.length), sig]);
          const flight = [
            hs(2, Buffer.concat([hello, u16(exts.length), exts])),
            hs(11, Buffer.concat([u24(certs.length), certs])),
            hs(12, ske),
            hs(14, Buffer.alloc(0)),
          ];
          transcript.push(...flight);
          socket.write(rec(22, Buffer.concat(flight)));
        } else if (type === 22 && !clientCcs && payload[0] === 16) {
          transcript.push(payload);
          const pms = ecdh.computeSecret(payload.subarray(5, 5 + (payload[4] ?? 0)));
          const master = prf('TLSv1.2', 'sha256', pms, 'master secret', Buffer.concat([cr, sr]), 48);
          const kb = prf('TLSv1.2', 'sha256', master, 'key expansion', Buffer.concat([sr, cr]), 104);
          keys = {
            macKey: kb.subarray(0, 20),
            key: kb.subarray(40, 56),
            out: new RecordProtection(
              p,
              'TLSv1.2',
              kb.subarray(20, 40),
              kb.subarray(56, 72),
              Buffer.alloc(16),
            ),
            seq: 0n,
            master,
          };
        } else if (type === 20) clientCcs = true;
        else if (type === 22 && clientCcs && keys) {
          const fin = laxOpen(22, payload);
          if (!fin) return void socket.end(rec(21, Buffer.from([2, 20])));
          transcript.push(fin);
          const digest = createHash('sha256').update(Buffer.concat(transcript)).digest();
          const verify = prf('TLSv1.2', 'sha256', keys.master, 'server finished', digest, 12);
          socket.write(
            Buffer.concat([rec(20, Buffer.from([1])), rec(22, keys.out.seal(22, hs(20, verify)))]),
          );
        } else if (type === 23 && keys) {
          const data = laxOpen(23, payload);
          if (!data) socket.end(rec(21, keys.out.seal(21, Buffer.from([2, 20]))));
          else socket.write(rec(23, keys.out.seal(23, Buffer.from('HTTP/1.0 200 OK\r\n\r\n'))));
        }
      }),
    );
  });
}

/** Rewrites the ServerHello of a ticket resumption that was asked with a short session id. */
export async function ticketbleedProxy(upstreamPort: number): Promise<number> {
  return serve((client: Socket) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    let sid: Buffer | undefined;
    let first = true;
    let held = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      if (first && d[0] === 22 && d[5] === 1) {
        const len = d[43] ?? 0;
        // Only a resumption attempt with a session id shorter than 32 bytes triggers the bug.
        if (len > 0 && len < 32 && d.includes(Buffer.from([0x00, 0x23]), 44)) sid = d.subarray(44, 44 + len);
      }
      first = false;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!sid) return void client.write(d);
      held = Buffer.concat([held, d]);
      if (held.length < 5 || held.length < 5 + held.readUInt16BE(3)) return;
      const recLen = held.readUInt16BE(3);
      const body = held.subarray(5, 5 + recLen);
      const rest = held.subarray(5 + recLen);
      const at = 4 + 2 + 32;
      const echoed = body.subarray(at + 1, at + 1 + (body[at] ?? 0));
      if (body[0] === 2 && echoed.equals(sid)) {
        const memory = randomBytes(32 - sid.length);
        const hello = Buffer.concat([
          body.subarray(4, at),
          Buffer.from([32]),
          sid,
          memory,
          body.subarray(at + 1 + sid.length, 4 + body.readUIntBE(1, 3)),
        ]);
        const msgs = Buffer.concat([hs(2, hello), body.subarray(4 + body.readUIntBE(1, 3))]);
        client.write(Buffer.concat([rec(22, msgs), rest]));
      } else client.write(held);
      sid = undefined;
      held = Buffer.alloc(0);
    });
  });
}
