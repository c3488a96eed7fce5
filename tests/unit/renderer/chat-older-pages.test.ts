import { describe, expect, it } from 'vitest';
import { OLDER_PAGE, OLDER_PAGE_MAX, olderPageSize } from '../../../src/renderer/stores/chat-model';

describe('olderPageSize', () => {
  it('starts with OLDER_PAGE and grows with what is loaded, up to the server batch', () => {
    expect(olderPageSize(50)).toBe(OLDER_PAGE);
    expect(olderPageSize(150)).toBe(OLDER_PAGE);
    expect(olderPageSize(1000)).toBe(250);
    expect(olderPageSize(19_000)).toBe(OLDER_PAGE_MAX);
    // 20,000 messages from a 50-message start: tens of requests, not hundreds.
    let loaded = 50;
    let requests = 0;
    while (loaded < 20_000) {
      loaded += olderPageSize(loaded);
      requests++;
    }
    expect(requests).toBeLessThan(60);
  });
});
