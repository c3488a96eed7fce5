import { describe, expect, it } from 'vitest';
import {
  checkGroup,
  checkSize,
  destinationFor,
  formatPeer,
  interfaceArg,
  isMulticastGroup,
  maxPayload,
} from '../../../src/main/engines/udp/address';
import { UdpBindInput } from '../../../src/shared/contract/udp';

describe('UDP address rules', () => {
  it('recognises multicast groups of both families', () => {
    expect(isMulticastGroup('224.0.0.251')).toBe(4);
    expect(isMulticastGroup('239.255.255.255')).toBe(4);
    expect(isMulticastGroup('223.255.255.255')).toBe(0);
    expect(isMulticastGroup('240.0.0.1')).toBe(0);
    expect(isMulticastGroup('ff02::fb')).toBe(6);
    expect(isMulticastGroup('FF12::1')).toBe(6);
    expect(isMulticastGroup('fe80::1')).toBe(0);
    expect(isMulticastGroup('not an address')).toBe(0);
    expect(() => checkGroup('10.0.0.1', 'udp4')).toThrow(
      expect.objectContaining({ code: 'INVALID_MULTICAST_GROUP' }),
    );
    expect(() => checkGroup('ff02::1', 'udp4')).toThrow(
      expect.objectContaining({ code: 'ADDRESS_FAMILY_MISMATCH' }),
    );
    expect(() => checkGroup('239.1.1.1', 'udp4')).not.toThrow();
  });

  it('maps destinations per family and knows the IPv4/IPv6 payload limits', () => {
    expect(destinationFor('10.0.0.1', 'udp6', false)).toEqual({ address: '::ffff:10.0.0.1', ipv4Path: true });
    expect(() => destinationFor('10.0.0.1', 'udp6', true)).toThrow(
      expect.objectContaining({ code: 'ADDRESS_FAMILY_MISMATCH' }),
    );
    expect(() => destinationFor('::1', 'udp4', false)).toThrow(
      expect.objectContaining({ code: 'ADDRESS_FAMILY_MISMATCH' }),
    );
    expect(destinationFor('::1', 'udp6', false)).toEqual({ address: '::1', ipv4Path: false });
    expect(destinationFor('example.org', 'udp4', false).ipv4Path).toBe(true);
    expect(maxPayload(true)).toBe(65_507);
    expect(maxPayload(false)).toBe(65_527);
    expect(() => checkSize(65_507, true)).not.toThrow();
    expect(() => checkSize(65_508, true)).toThrow(expect.objectContaining({ code: 'DATAGRAM_TOO_LARGE' }));
    expect(() => checkSize(65_528, false)).toThrow(expect.objectContaining({ code: 'DATAGRAM_TOO_LARGE' }));
  });

  it('spells interfaces as Node wants them', () => {
    expect(interfaceArg('127.0.0.1', 'udp4')).toBe('127.0.0.1');
    expect(interfaceArg('lo', 'udp4')).toBe('127.0.0.1');
    expect(interfaceArg('lo', 'udp6')).toBe('::%lo');
    expect(interfaceArg('::%lo', 'udp6')).toBe('::%lo');
    expect(() => interfaceArg('nope0', 'udp6')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => interfaceArg('nope0', 'udp4')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(formatPeer('::1', 9)).toBe('[::1]:9');
    expect(formatPeer('1.2.3.4', 9)).toBe('1.2.3.4:9');
  });

  it('the bind schema applies defaults and rejects bad TTLs and ports', () => {
    expect(UdpBindInput.parse({ port: 0 })).toMatchObject({
      host: '127.0.0.1',
      responder: 'off',
      reply: 'Message received',
      multicastTtl: 1,
    });
    expect(UdpBindInput.safeParse({ port: 65536 }).success).toBe(false);
    expect(UdpBindInput.safeParse({ port: 0, ttl: 0 }).success).toBe(false);
    expect(UdpBindInput.safeParse({ port: 0, multicastTtl: 256 }).success).toBe(false);
    expect(UdpBindInput.safeParse({ port: 0, extra: 1 }).success).toBe(false);
  });
});
