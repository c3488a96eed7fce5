import { describe, expect, it } from 'vitest';
import { httpPhases } from '../../../src/renderer/lib/exchange-phases';

const t = { dns: 1, connect: 2, tls: 0, send: 1, ttfb: 3, download: 1, total: 8 };

describe('httpPhases', () => {
  it('has no TLS row for a plain http:// exchange', () => {
    expect(httpPhases(t, 'http://127.0.0.1:8000/').map((p) => p.name)).not.toContain('TLS handshake');
  });
  it('keeps the TLS row for https://', () => {
    expect(
      httpPhases({ ...t, tls: 4 }, 'https://example.test/').find((p) => p.name === 'TLS handshake')?.ms,
    ).toBe(4);
  });
});
