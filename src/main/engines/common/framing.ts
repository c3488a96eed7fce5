// Newline framing with a hard size limit that is checked before anything is kept: the bytes of the line
// being assembled are counted while scanning for "\n", and a line that would pass `maxBytes` (newline
// included) is refused without being stored. A peer therefore cannot make us hold more than one
// frame's worth of its data, whatever it sends.
export type FramerResult = { kind: 'line'; line: string } | { kind: 'overflow'; bytes: number };

const NL = 0x0a;

export class LineFramer {
  private parts: Buffer[] = [];
  private pending = 0;
  private overflowed = false;

  constructor(private readonly maxBytes: number) {}

  /** Bytes received that belong to the next, unfinished line. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Feeds one chunk; calls `onLine` per complete line. Returns false once the limit was exceeded. */
  push(chunk: Buffer, onLine: (line: string) => void): boolean {
    if (this.overflowed) return false;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      const end = nl === -1 ? chunk.length : nl;
      const size = this.pending + (end - start) + (nl === -1 ? 0 : 1);
      if (size > this.maxBytes) {
        this.overflowed = true;
        this.parts = [];
        this.pending = size;
        return false;
      }
      if (nl === -1) {
        // Keep a copy, not a view, so the socket's whole chunk is not pinned while we wait.
        this.parts.push(Buffer.from(chunk.subarray(start)));
        this.pending += chunk.length - start;
        return true;
      }
      let text: string;
      if (this.parts.length === 0) text = chunk.toString('utf8', start, nl);
      else {
        this.parts.push(chunk.subarray(start, nl));
        text = Buffer.concat(this.parts).toString('utf8');
        this.parts = [];
      }
      this.pending = 0;
      start = nl + 1;
      // A CR before the newline is part of the line ending for clients like telnet.
      onLine(text.endsWith('\r') ? text.slice(0, -1) : text);
    }
    return true;
  }

  /** Takes whatever is pending as a line (plain-text clients that end a message with silence). */
  flush(): string | undefined {
    if (this.pending === 0 || this.overflowed) return undefined;
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.pending = 0;
    return text;
  }
}
