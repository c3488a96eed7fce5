// RFC 6761 §6.4: ".invalid" names get an immediate negative answer from the app's own resolver, so no
// DNS query leaves the machine for them; other names go to the system resolver.
import { describe, expect, it } from 'vitest';
import { connectLookup, isInvalidName, lookup } from '../../../src/main/engines/common/resolve';

describe('special-use names', () => {
  it('recognises .invalid in any case, with or without the root dot', () => {
    for (const h of ['invalid', 'no-such-host.invalid', 'A.B.INVALID', 'x.invalid.'])
      expect(isInvalidName(h)).toBe(true);
    for (const h of ['invalid.example', 'localhost', 'invalidx', '127.0.0.1', '::1'])
      expect(isInvalidName(h)).toBe(false);
  });

  it('lookup and connectLookup fail at once with ENOTFOUND (mapped to HOST_NOT_FOUND like any unknown name)', async () => {
    await expect(lookup('no-such-host.invalid')).rejects.toMatchObject({
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
    });
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      connectLookup('no-such-host.invalid', { all: true }, (e) => resolve(e)),
    );
    expect(err?.code).toBe('ENOTFOUND');
  });

  it('other names still resolve through the system (localhost → loopback)', async () => {
    expect((await lookup('localhost')).address).toMatch(/^(127\.|::1$)/);
    const all = await new Promise<unknown>((resolve, reject) =>
      connectLookup('localhost', { all: true }, (e, a) => (e ? reject(e) : resolve(a))),
    );
    expect(Array.isArray(all)).toBe(true);
    const one = await new Promise<unknown>((resolve, reject) =>
      connectLookup('localhost', {}, (e, a) => (e ? reject(e) : resolve(a))),
    );
    expect(typeof one).toBe('string');
  });
});
