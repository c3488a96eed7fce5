// How the chat server reads a new connection and talks to plain text clients (nc, telnet, a ten-line Python client):
// pure functions over bytes and frames, no sockets. See docs/chat-protocol.md "Plain text clients".
import type { ServerFrame } from './protocol';

/** File data is paced by backpressure and acks, not by the frame rate limit. */
export function costsToken(line: string): boolean {
  return !(line.startsWith('{"t":"file.chunk"') || line.startsWith('{"t":"file.ack"'));
}

export function firstNonSpace(chunk: Buffer): number {
  for (const b of chunk) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  return -1;
}

/** A line that is a JSON object with a string "t" is someone speaking the protocol, however badly. */
export function looksLikeFrame(line: string): boolean {
  return /^\s*\{\s*"t"\s*:/.test(line) || /^\s*\{\s*"?t?"?$/.test(line);
}

export function plainText(text: string): string {
  return text.replace(/\r?\n/g, '\n  ');
}

/** How a frame reads to a plain text client; null when it has nothing to show. */
export function plainLine(frame: ServerFrame): string | null {
  switch (frame.t) {
    case 'msg':
      return `${frame.from}: ${plainText(frame.text)}\n`;
    case 'presence':
      return `* ${frame.nick} ${frame.event === 'join' ? 'joined' : 'left'} #${frame.room}\n`;
    default:
      return null;
  }
}
