// The JSON nesting limit for the browser shell's request frames, enforced while the bytes arrive. ws
// collects a whole message before it emits it: for an 8 MB frame that means copying the chunks into
// one buffer and unmasking it byte by byte in JavaScript, a single task of tens of milliseconds that
// every other page waits behind — before any check on the finished message could run. So the shell
// reads the client's frames itself as they come off the TCP socket (RFC 6455 §5.2: header, mask,
// payload), unmasks a text message's payload chunk by chunk and tracks its depth; the first bracket past
// the limit refuses the message after a few hundred bytes, and ws never buffers the rest.

/** Streaming depth count over JSON text: strings (and escapes in them) may span chunk boundaries. */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number) {}

  /** False as soon as the text so far nests deeper than the limit (stops scanning there). */
  feed(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    return this.scan(bytes, start, end, undefined);
  }

  /** feed() over bytes masked with `mask` (the payload's 4-byte key), `offset` bytes into the payload. */
  feedMasked(bytes: Uint8Array, start: number, end: number, mask: Uint8Array, offset: number): boolean {
    return this.scan(bytes, start, end, { mask, offset });
  }

  reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private scan(
    bytes: Uint8Array,
    start: number,
    end: number,
    masked: { mask: Uint8Array; offset: number } | undefined,
  ): boolean {
    let { depth, inString, escaped } = this;
    const max = this.maxDepth;
    const mask = masked?.mask;
    const m0 = mask?.[0] ?? 0;
    const m1 = mask?.[1] ?? 0;
    const m2 = mask?.[2] ?? 0;
    const m3 = mask?.[3] ?? 0;
    // Position of bytes[start] in the payload, for the mask index (key byte = position mod 4).
    let pos = masked?.offset ?? 0;
    let ok = true;
    for (let i = start; i < end; i++, pos++) {
      let c = bytes[i]!;
      if (mask) {
        const k = pos & 3;
        c ^= k === 0 ? m0 : k === 1 ? m1 : k === 2 ? m2 : m3;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++depth > max) {
          ok = false;
          break;
        }
      } else if (c === 0x5d || c === 0x7d) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return ok;
  }
}

/** True when the JSON text nests deeper than `maxDepth` (a whole message at once). */
export function jsonDepthExceeds(raw: Uint8Array, maxDepth: number): boolean {
  return !new JsonDepthScanner(maxDepth).feed(raw);
}

type FrameState = 'head' | 'payload';

/**
 * Follows a client's WebSocket frames byte stream (client frames are masked) and scans the payload of
 * text messages — across fragments, with control frames interleaved — for nesting depth. Binary
 * messages and control frames are skipped. It never changes the bytes: ws still parses and validates
 * the stream; this only decides, per TCP chunk, whether the chunk may reach ws at all.
 */
export class RequestDepthGuard {
  private state: FrameState = 'head';
  private readonly head = new Uint8Array(14);
  private headLen = 0;
  private opcode = 0;
  private fin = false;
  private mask: Uint8Array | undefined;
  private remaining = 0;
  private payloadPos = 0;
  /** The message being received is text (its first frame had opcode 1). */
  private textMessage = false;
  private refused = false;
  private readonly scanner: JsonDepthScanner;

  constructor(maxDepth: number) {
    this.scanner = new JsonDepthScanner(maxDepth);
  }

  /** False once a text message nests too deep; from then on every chunk is refused. */
  feed(chunk: Uint8Array): boolean {
    if (this.refused) return false;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'head') {
        this.head[this.headLen++] = chunk[i++]!;
        if (this.headComplete()) this.startPayload();
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - i);
      if (this.scanned() && !this.scanPayload(chunk, i, i + n)) {
        this.refused = true;
        return false;
      }
      i += n;
      this.payloadPos += n;
      this.remaining -= n;
      if (this.remaining === 0) this.endFrame();
    }
    return true;
  }

  private scanned(): boolean {
    return this.textMessage && (this.opcode === 0x1 || this.opcode === 0x0);
  }

  private scanPayload(chunk: Uint8Array, start: number, end: number): boolean {
    return this.mask
      ? this.scanner.feedMasked(chunk, start, end, this.mask, this.payloadPos)
      : this.scanner.feed(chunk, start, end);
  }

  /** True once the header bytes gathered so far form a whole header (2 to 14 bytes). */
  private headComplete(): boolean {
    if (this.headLen < 2) return false;
    const len7 = this.head[1]! & 0x7f;
    const masked = (this.head[1]! & 0x80) !== 0;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    return this.headLen >= need;
  }

  private startPayload(): void {
    const h = this.head;
    this.fin = (h[0]! & 0x80) !== 0;
    this.opcode = h[0]! & 0x0f;
    const len7 = h[1]! & 0x7f;
    let at = 2;
    let length = len7;
    if (len7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      at = 4;
    } else if (len7 === 127) {
      // Lengths past 2^53 are refused by ws (maxPayload) long before this matters.
      length = (h[2]! * 2 ** 24 + (h[3]! << 16) + (h[4]! << 8) + h[5]!) * 2 ** 32;
      length += h[6]! * 2 ** 24 + (h[7]! << 16) + (h[8]! << 8) + h[9]!;
      at = 10;
    }
    this.mask = (h[1]! & 0x80) !== 0 ? h.slice(at, at + 4) : undefined;
    if (this.opcode === 0x1) {
      this.textMessage = true;
      this.scanner.reset();
    } else if (this.opcode === 0x2) this.textMessage = false;
    this.remaining = length;
    this.payloadPos = 0;
    this.headLen = 0;
    this.state = 'payload';
    if (length === 0) this.endFrame();
  }

  private endFrame(): void {
    this.state = 'head';
    // A data frame with FIN ends its message; control frames (opcode ≥ 8) sit between fragments.
    if (this.fin && this.opcode < 0x8) this.textMessage = false;
  }
}
