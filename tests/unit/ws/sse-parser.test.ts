// The event-stream parser against the HTML standard's rules: line ends split across chunks, data
// joining, ids, retry, comments, and the bound on a line that never ends.
import { describe, expect, it } from 'vitest';
import { SseParser, type ParsedSseEvent } from '../../../src/main/engines/ws/sse-parser';
import { EngineError } from '../../../src/main/engines/common/errors';
import { isSendableCloseCode } from '../../../src/shared/contract/ws';
import { parseWsUrl } from '../../../src/main/engines/ws/client';

function parse(chunks: string[], max = 1024): { events: ParsedSseEvent[]; retries: number[] } {
  const events: ParsedSseEvent[] = [];
  const retries: number[] = [];
  const p = new SseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) }, max);
  for (const c of chunks) p.push(new TextEncoder().encode(c));
  return { events, retries };
}

describe('SseParser', () => {
  it('handles CRLF split across chunks, lone CR and LF, and joins data lines', () => {
    const { events } = parse(['data: a\r', '\ndata: b\r\r', 'event: x\ndata:c\n\n']);
    expect(events).toEqual([
      { event: 'message', data: 'a\nb', id: '' },
      { event: 'x', data: 'c', id: '' },
    ]);
  });

  it('keeps the last id across events, ignores ids with NUL, comments and bad retry values', () => {
    const { events, retries } = parse([
      ': hi\nid: 5\ndata: one\n\ndata: two\n\nid: a\0b\nretry: 1x\nretry: 250\ndata: three\n\n',
    ]);
    expect(events.map((e) => [e.data, e.id])).toEqual([
      ['one', '5'],
      ['two', '5'],
      ['three', '5'],
    ]);
    expect(retries).toEqual([250]);
  });

  it('does not dispatch an event without data, and splits a multi-byte character across chunks', () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    const events: ParsedSseEvent[] = [];
    const p = new SseParser({ onEvent: (e) => events.push(e), onRetry: () => undefined }, 1024);
    p.push(new TextEncoder().encode('event: empty\n\n'));
    p.push(bytes.slice(0, 7));
    p.push(bytes.slice(7));
    expect(events).toEqual([{ event: 'message', data: 'é', id: '' }]);
  });

  it('refuses a line longer than the limit with LIMIT_EXCEEDED', () => {
    expect(() => parse(['data: ' + 'x'.repeat(100)], 50)).toThrow(EngineError);
  });
});

describe('WebSocket input rules', () => {
  it('accepts 1000 and 3000–4999 as close codes only', () => {
    expect([1000, 3000, 4999].every(isSendableCloseCode)).toBe(true);
    expect([999, 1001, 1005, 1006, 2999, 5000].some(isSendableCloseCode)).toBe(false);
  });

  it('maps http(s) to ws(s) and refuses other schemes', () => {
    expect(parseWsUrl('https://h/x#frag').href).toBe('wss://h/x');
    expect(() => parseWsUrl('ftp://h/')).toThrow(/unsupported scheme/);
  });
});
