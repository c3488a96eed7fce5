import { describe, expect, it } from 'vitest';
import { RiseFall } from '../../../src/main/engines/load-balancer/health';
import { NumberWindow, RingBuffer } from '../../../src/main/engines/load-balancer/ring-buffer';
import {
  ipv6Bytes,
  parseProxyHeader,
  proxyHeaderV1,
  proxyHeaderV2,
} from '../../../src/main/engines/load-balancer/proxy-protocol';
import { statusRangeRegex } from '../../../src/main/engines/load-balancer/export';
import { LbConfigInput, isValidBackendHost, parseBackendSpec } from '../../../src/shared/contract/lb';

describe('RiseFall (HAProxy semantics)', () => {
  it('starts up, goes down only after `fall` consecutive failures, up after `rise` consecutive successes', () => {
    const h = new RiseFall();
    expect(h.health).toBe('up');
    expect([h.record(false, 2, 3), h.record(false, 2, 3), h.record(true, 2, 3)]).toEqual([
      false,
      false,
      false,
    ]);
    expect([h.record(false, 2, 3), h.record(false, 2, 3), h.record(false, 2, 3)]).toEqual([
      false,
      false,
      true,
    ]);
    expect(h.health).toBe('down');
    expect([h.record(true, 2, 3), h.record(false, 2, 3), h.record(true, 2, 3), h.record(true, 2, 3)]).toEqual(
      [false, false, false, true],
    );
    expect(h.health).toBe('up');
  });
});

describe('ring buffers', () => {
  it('keep only the newest `capacity` items, oldest first', () => {
    const r = new RingBuffer<number>(600);
    for (let i = 0; i < 1000; i++) r.push(i);
    const a = r.toArray();
    expect(a.length).toBe(600);
    expect(a[0]).toBe(400);
    expect(r.last()).toBe(999);
  });

  it('NumberWindow gives p50/p99 of the last values', () => {
    const w = new NumberWindow(100);
    expect(w.percentiles()).toEqual({ p50: null, p99: null });
    for (let i = 1; i <= 300; i++) w.add(i);
    expect(w.percentiles()).toEqual({ p50: 250, p99: 299 });
  });
});

describe('PROXY protocol', () => {
  const v4 = { sourceAddress: '192.0.2.1', sourcePort: 56324, destAddress: '198.51.100.2', destPort: 443 };
  it('v1 text form, and IPv4-mapped addresses are sent as TCP4', () => {
    expect(proxyHeaderV1(v4).toString()).toBe('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n');
    expect(
      proxyHeaderV1({
        ...v4,
        sourceAddress: '::ffff:192.0.2.1',
        destAddress: '::ffff:198.51.100.2',
      }).toString(),
    ).toBe('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n');
    expect(
      proxyHeaderV1({
        sourceAddress: '2001:db8::1',
        destAddress: '::1',
        sourcePort: 1,
        destPort: 2,
      }).toString(),
    ).toBe('PROXY TCP6 2001:db8::1 ::1 1 2\r\n');
  });
  it('v2 binary form round-trips through the parser for v4 and v6', () => {
    const h4 = proxyHeaderV2(v4);
    expect(h4.length).toBe(28);
    expect(parseProxyHeader(Buffer.concat([h4, Buffer.from('GET')]))).toEqual({
      complete: true,
      version: 2,
      addresses: v4,
      headerLength: 28,
    });
    const h6 = proxyHeaderV2({
      sourceAddress: '2001:db8::1',
      destAddress: '::1',
      sourcePort: 1,
      destPort: 2,
    });
    const p = parseProxyHeader(h6);
    expect(p).toMatchObject({
      complete: true,
      version: 2,
      headerLength: 52,
      addresses: { sourceAddress: '2001:db8:0:0:0:0:0:1', destAddress: '0:0:0:0:0:0:0:1' },
    });
    expect(parseProxyHeader(h4.subarray(0, 10))).toEqual({ complete: false, needMore: true });
    expect(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({
      complete: false,
      needMore: false,
    });
  });
  it('ipv6Bytes handles :: and a dotted tail', () => {
    expect(ipv6Bytes('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(ipv6Bytes('::ffff:1.2.3.4').slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
  });
});

describe('export helpers', () => {
  it('statusRangeRegex matches exactly the range', () => {
    for (const [min, max] of [
      [200, 399],
      [200, 299],
      [204, 311],
      [200, 200],
      [150, 451],
    ] as const) {
      const re = new RegExp(statusRangeRegex(min, max));
      for (let s = 100; s <= 599; s++)
        expect(re.test(String(s)), `${s} in ${min}-${max}`).toBe(s >= min && s <= max);
    }
  });
});

describe('backend notation and validation', () => {
  it('parses HOST:PORT[@WEIGHT] with IPv6 in brackets', () => {
    expect(parseBackendSpec('127.0.0.1:8080')).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 8080 },
    });
    expect(parseBackendSpec('[::1]:9000@3')).toEqual({
      ok: true,
      value: { host: '::1', port: 9000, weight: 3 },
    });
    expect(parseBackendSpec('web-1.local:80@256')).toEqual({
      ok: true,
      value: { host: 'web-1.local', port: 80, weight: 256 },
    });
  });
  it('rejects bad notation with stable codes', () => {
    expect(parseBackendSpec('localhost')).toMatchObject({ ok: false, code: 'LB_INVALID_BACKEND' });
    expect(parseBackendSpec('::1:80')).toMatchObject({ ok: false, code: 'LB_INVALID_BACKEND' });
    expect(parseBackendSpec('300.1.1.1:80')).toMatchObject({ ok: false, code: 'LB_INVALID_BACKEND' });
    expect(parseBackendSpec('h:0')).toMatchObject({ ok: false, code: 'PORT_OUT_OF_RANGE' });
    expect(parseBackendSpec('h:65536')).toMatchObject({ ok: false, code: 'PORT_OUT_OF_RANGE' });
    expect(parseBackendSpec('h:80@0')).toMatchObject({ ok: false, code: 'LB_WEIGHT_OUT_OF_RANGE' });
    expect(parseBackendSpec('h:80@257')).toMatchObject({ ok: false, code: 'LB_WEIGHT_OUT_OF_RANGE' });
    expect(parseBackendSpec('h:80@1.5')).toMatchObject({ ok: false, code: 'LB_WEIGHT_OUT_OF_RANGE' });
  });
  it('isValidBackendHost', () => {
    for (const h of ['127.0.0.1', '::1', 'fe80::1', '2001:db8::1.2.3.4', 'example.com', 'a', 'x-1.y'])
      expect(isValidBackendHost(h), h).toBe(true);
    for (const h of ['1.2.3', '256.0.0.1', 'a b', '-a', 'a..b', ':::', '1::2::3', 'g::1'])
      expect(isValidBackendHost(h), h).toBe(false);
  });
  it('the config schema fills documented defaults', () => {
    const c = LbConfigInput.parse({ port: 0 });
    expect(c).toMatchObject({
      host: '127.0.0.1',
      strategy: 'rr',
      proxyProtocol: 'off',
      limits: { maxConn: 10_000, retries: 2, queueSize: 1000 },
      health: { type: 'none', rise: 2, fall: 3 },
    });
  });
});
