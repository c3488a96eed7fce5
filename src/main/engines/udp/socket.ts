// One UDP socket session: bound to host:port, sends to anyone, reports every datagram with its source,
// and answers by itself when asked (auto-reply rules, echo, or a fixed reply such as
// "Message received"). It is a server and a client at once, as UDP itself makes no such distinction.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  UDP_DEFAULTS,
  type UdpEvent,
  type UdpFamily,
  type UdpMembership,
  type UdpPeer,
  type UdpSocketInfo,
} from '../../../shared/contract/udp';
import {
  compileAutoReplies,
  findAutoReply,
  type AutoReplyRule,
  type CompiledRule,
} from '../../../shared/autoreply';
import type { WireBytes } from '../../../shared/contract/tcp';
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { payloadBytes } from '../common/payload';
import type { PayloadTextEncoding } from '../../../shared/payload-text';
import { EngineError, toEngineError } from '../common/errors';
import { checkGroup, checkSize, destinationFor, formatPeer, interfaceArg } from './address';

export type UdpResponderMode = 'off' | 'echo' | 'reply';

export interface UdpEndpointOptions {
  host: string;
  port: number;
  family: UdpFamily;
  reuseAddr: boolean;
  ipv6Only: boolean;
  label?: string;
  responder: UdpResponderMode;
  reply: string;
  replyEncoding: PayloadTextEncoding;
  autoReplies: AutoReplyRule[];
  broadcast: boolean;
  ttl?: number;
  multicastTtl: number;
  multicastLoopback: boolean;
  multicastInterface?: string;
  maxAutoRepliesPerSecond: number;
  maxEventDataBytes: number;
  recentSenders: number;
}

export const UDP_ENDPOINT_DEFAULTS: Omit<UdpEndpointOptions, 'port' | 'family'> = {
  host: UDP_DEFAULTS.host,
  reuseAddr: false,
  ipv6Only: false,
  responder: 'off',
  reply: UDP_DEFAULTS.defaultReply,
  replyEncoding: 'text',
  autoReplies: [],
  broadcast: false,
  multicastTtl: UDP_DEFAULTS.multicastTtl,
  multicastLoopback: true,
  maxAutoRepliesPerSecond: UDP_DEFAULTS.maxAutoRepliesPerSecond,
  maxEventDataBytes: UDP_DEFAULTS.maxEventDataBytes,
  recentSenders: UDP_DEFAULTS.recentSenders,
};

export type UdpOptionsPatch = Partial<
  Pick<
    UdpEndpointOptions,
    | 'responder'
    | 'reply'
    | 'replyEncoding'
    | 'autoReplies'
    | 'broadcast'
    | 'ttl'
    | 'multicastTtl'
    | 'multicastLoopback'
    | 'multicastInterface'
  >
>;

function peer(r: RemoteInfo): UdpPeer {
  return { address: r.address, port: r.port, family: r.family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

export class UdpEndpoint extends TypedEmitter<UdpEvent> {
  readonly session: string;
  private readonly options: UdpEndpointOptions;
  private readonly socket: Socket;
  private state: 'new' | 'bound' | 'closed' = 'new';
  private startPromise?: Promise<UdpSocketInfo>;
  private closePromise?: Promise<void>;
  private bound = { address: '', port: 0 };
  private boundAt = 0;
  private seq = 0;
  /** seq → sender, for the last `recentSenders` datagrams (a ring, so memory stays bounded). */
  private readonly senders: (UdpPeer & { seq: number })[] = [];
  private sendersNext = 0;
  private rules: CompiledRule[] = [];
  private replyBytes: Uint8Array;
  private readonly memberships = new Map<string, UdpMembership>();
  private answerWindow = { second: 0, count: 0 };
  private counters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(session: string, options: Partial<UdpEndpointOptions> & { port: number; family: UdpFamily }) {
    super();
    this.session = session;
    this.options = { ...UDP_ENDPOINT_DEFAULTS, ...options };
    // Validate the answers before any socket exists, so a bad rule leaves nothing half-open.
    this.replyBytes = payloadBytes(this.options.reply, this.options.replyEncoding);
    this.rules = this.compile(this.options.autoReplies);
    this.socket = createSocket({
      type: this.options.family,
      reuseAddr: this.options.reuseAddr,
      ipv6Only: this.options.family === 'udp6' ? this.options.ipv6Only : false,
    });
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket.on('error', (err) => {
      if (this.state !== 'bound') return; // bind errors are reported by start()
      const e = toEngineError(err);
      this.emit({
        engine: 'udp',
        type: 'error',
        session: this.session,
        at: Date.now(),
        code: e.code,
        message: e.message,
      });
    });
  }

  start(): Promise<UdpSocketInfo> {
    this.startPromise ??= new Promise<UdpSocketInfo>((resolve, reject) => {
      const onError = (err: Error) => {
        this.state = 'closed';
        this.socket.close();
        reject(toEngineError(err, `bind ${formatPeer(this.options.host, this.options.port)}`));
      };
      this.socket.once('error', onError);
      this.socket.bind({ port: this.options.port, address: this.options.host }, () => {
        this.socket.off('error', onError);
        try {
          const a = this.socket.address();
          this.bound = { address: a.address, port: a.port };
          this.state = 'bound';
          this.boundAt = Date.now();
          this.applySocketOptions(this.options);
          resolve(this.info());
        } catch (err) {
          this.state = 'closed';
          this.socket.close();
          reject(toEngineError(err));
        }
      });
    });
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  get family(): UdpFamily {
    return this.options.family;
  }

  info(): UdpSocketInfo {
    const o = this.options;
    return {
      session: this.session,
      label: o.label,
      family: o.family,
      host: this.bound.address || o.host,
      port: this.bound.port,
      state: this.state === 'bound' ? 'bound' : 'closed',
      responder: o.responder,
      reply: o.reply,
      replyEncoding: o.replyEncoding,
      autoReplyRules: this.rules.length,
      autoReplies: this.rules.map((r) => ({ ...r.rule })),
      broadcast: o.broadcast,
      multicastTtl: o.multicastTtl,
      multicastLoopback: o.multicastLoopback,
      multicastInterface: o.multicastInterface,
      memberships: [...this.memberships.values()].map((m) => ({ ...m })),
      ...this.counters,
      boundAt: this.boundAt,
    };
  }

  /** Sends one datagram. DATAGRAM_TOO_LARGE is decided before any byte leaves. */
  async send(bytes: Uint8Array, host: string, port: number): Promise<{ bytes: number; to: string }> {
    return this.sendTo(bytes, host, port, false);
  }

  /** Answers the sender of datagram `seq`, or of the latest one. */
  async reply(bytes: Uint8Array, seq?: number): Promise<{ bytes: number; to: string }> {
    const latest =
      this.senders[(this.sendersNext + this.senders.length - 1) % Math.max(1, this.senders.length)];
    const s = seq === undefined ? latest : this.senders.find((p) => p.seq === seq);
    if (!s) {
      throw new EngineError(
        'NOT_FOUND',
        seq === undefined
          ? 'no datagram has arrived yet, so there is no one to reply to'
          : `datagram ${seq} is not among the last ${this.options.recentSenders}`,
      );
    }
    return this.sendTo(bytes, s.address, s.port, false);
  }

  setOptions(patch: UdpOptionsPatch): UdpSocketInfo {
    const next = {
      ...this.options,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    } as UdpEndpointOptions;
    // Everything is validated first; only then is anything changed, so a bad patch changes nothing.
    const replyBytes = payloadBytes(next.reply, next.replyEncoding);
    const rules = patch.autoReplies ? this.compile(patch.autoReplies) : this.rules;
    if (this.state === 'bound') this.applySocketOptions(patch);
    Object.assign(this.options, next);
    this.replyBytes = replyBytes;
    this.rules = rules;
    return this.info();
  }

  join(group: string, iface?: string, source?: string): UdpSocketInfo {
    this.requireBound();
    checkGroup(group, this.options.family);
    const ifArg = iface === undefined ? undefined : interfaceArg(iface, this.options.family);
    const key = `${group}|${ifArg ?? ''}|${source ?? ''}`;
    if (this.memberships.has(key)) return this.info();
    try {
      if (source) this.socket.addSourceSpecificMembership(source, group, ifArg);
      else this.socket.addMembership(group, ifArg);
    } catch (err) {
      throw toEngineError(err, `join ${group}${ifArg ? ` on ${ifArg}` : ''}`);
    }
    this.memberships.set(key, {
      group,
      ...(ifArg ? { interface: ifArg } : {}),
      ...(source ? { source } : {}),
    });
    this.emit({
      engine: 'udp',
      type: 'membership',
      session: this.session,
      at: Date.now(),
      group,
      joined: true,
      ...(ifArg ? { interface: ifArg } : {}),
    });
    return this.info();
  }

  leave(group: string, iface?: string, source?: string): UdpSocketInfo {
    this.requireBound();
    checkGroup(group, this.options.family);
    const ifArg = iface === undefined ? undefined : interfaceArg(iface, this.options.family);
    const key = `${group}|${ifArg ?? ''}|${source ?? ''}`;
    if (!this.memberships.has(key))
      throw new EngineError(
        'NOT_FOUND',
        `socket ${this.session} has not joined ${group}${ifArg ? ` on ${ifArg}` : ''}`,
      );
    try {
      if (source) this.socket.dropSourceSpecificMembership(source, group, ifArg);
      else this.socket.dropMembership(group, ifArg);
    } catch (err) {
      throw toEngineError(err, `leave ${group}`);
    }
    this.memberships.delete(key);
    this.emit({
      engine: 'udp',
      type: 'membership',
      session: this.session,
      at: Date.now(),
      group,
      joined: false,
      ...(ifArg ? { interface: ifArg } : {}),
    });
    return this.info();
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      if (this.state !== 'bound') {
        this.state = 'closed';
        return;
      }
      this.state = 'closed';
      await new Promise<void>((resolve) => this.socket.close(() => resolve()));
      this.emit({ engine: 'udp', type: 'closed', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  private compile(rules: AutoReplyRule[]): CompiledRule[] {
    const r = compileAutoReplies(rules);
    if (!r.ok) throw new EngineError(r.error.code, r.error.message);
    return r.rules;
  }

  private requireBound(): void {
    if (this.state !== 'bound') throw new EngineError('NOT_FOUND', `socket ${this.session} is not bound`);
  }

  private applySocketOptions(o: UdpOptionsPatch): void {
    try {
      if (o.broadcast !== undefined) {
        if (o.broadcast && this.options.family === 'udp6')
          throw new EngineError(
            'NOT_SUPPORTED',
            'IPv6 has no broadcast; use a multicast group such as ff02::1',
          );
        this.socket.setBroadcast(o.broadcast);
      }
      if (o.ttl !== undefined) this.socket.setTTL(o.ttl);
      if (o.multicastTtl !== undefined) this.socket.setMulticastTTL(o.multicastTtl);
      if (o.multicastLoopback !== undefined) this.socket.setMulticastLoopback(o.multicastLoopback);
      if (o.multicastInterface !== undefined)
        this.socket.setMulticastInterface(interfaceArg(o.multicastInterface, this.options.family));
    } catch (err) {
      throw toEngineError(err, 'socket option');
    }
  }

  private async sendTo(
    bytes: Uint8Array,
    host: string,
    port: number,
    auto: boolean,
  ): Promise<{ bytes: number; to: string }> {
    this.requireBound();
    const dest = destinationFor(host, this.options.family, this.options.ipv6Only);
    checkSize(bytes.length, dest.ipv4Path);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, port, dest.address, (err) => {
        const to = formatPeer(host, port);
        if (err) {
          const errno = (err as NodeJS.ErrnoException).code;
          if (errno === 'EMSGSIZE')
            return reject(
              new EngineError('DATAGRAM_TOO_LARGE', `${bytes.length} bytes to ${to}: ${err.message}`),
            );
          if (errno === 'EACCES' && !this.options.broadcast) {
            return reject(
              new EngineError(
                'PERMISSION_DENIED',
                `${to}: sending to a broadcast address needs "broadcast" enabled on the socket (${err.message})`,
              ),
            );
          }
          return reject(toEngineError(err, `send to ${to}`));
        }
        this.counters.datagramsOut += 1;
        this.counters.bytesOut += bytes.length;
        this.emit({
          engine: 'udp',
          type: 'sent',
          session: this.session,
          at: Date.now(),
          to: { address: host, port, family: dest.ipv4Path ? 'IPv4' : 'IPv6' },
          auto,
          ...wireBytes(bytes, this.options.maxEventDataBytes),
        });
        resolve({ bytes: bytes.length, to });
      });
    });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.state !== 'bound') return;
    const at = Date.now();
    const seq = (this.seq += 1);
    this.counters.datagramsIn += 1;
    this.counters.bytesIn += msg.length;
    const from = peer(rinfo);
    // A ring: the oldest sender is overwritten once `recentSenders` are kept.
    const entry = { address: from.address, port: from.port, family: from.family, seq };
    if (this.senders.length < this.options.recentSenders) this.senders.push(entry);
    else this.senders[this.sendersNext] = entry;
    this.sendersNext = (this.sendersNext + 1) % this.options.recentSenders;

    let answer: Uint8Array | undefined;
    let answered: 'echo' | 'reply' | 'rule' | 'rate-limited' | undefined;
    const rule = this.rules.length ? findAutoReply(this.rules, msg) : undefined;
    if (rule) [answer, answered] = [rule.reply, 'rule'];
    else if (this.options.responder === 'echo') [answer, answered] = [msg, 'echo'];
    else if (this.options.responder === 'reply') [answer, answered] = [this.replyBytes, 'reply'];
    // Never answer ourselves: a socket sending to its own address would otherwise loop forever.
    if (answer && rinfo.port === this.bound.port && sameHost(rinfo.address, this.bound.address))
      answer = undefined;
    if (answer && !this.takeAnswerToken()) [answer, answered] = [undefined, 'rate-limited'];

    // The answer leaves before any bookkeeping: the peer is waiting on the wire, the log is not.
    // The events still come in causal order (datagram, then its answer or the answer's failure).
    const failure = answer ? this.answer(answer, from) : undefined;
    const data = this.eventBytes(msg);
    const event: Extract<UdpEvent, { type: 'datagram' }> = {
      engine: 'udp',
      type: 'datagram',
      session: this.session,
      at,
      seq,
      from,
      ...data,
    };
    if (answered) event.answered = answered;
    this.emit(event);
    if (!answer) return;
    if (failure) {
      this.emit({
        engine: 'udp',
        type: 'error',
        session: this.session,
        at,
        code: failure.code,
        message: `auto-answer to ${formatPeer(from.address, from.port)}: ${failure.message}`,
      });
      return;
    }
    this.emit({
      engine: 'udp',
      type: 'sent',
      session: this.session,
      at,
      to: from,
      auto: true,
      // An echo's 'sent' event shares the received bytes (events are never mutated).
      ...(answered === 'echo' ? data : this.eventBytes(answer)),
    });
  }

  /**
   * The hot path of echo/auto-reply: the peer address comes from the kernel, so it needs no family or
   * name checks; only the size can be wrong (a rule's reply larger than the peer's protocol allows).
   * Returns the failure instead of emitting it, so the caller can keep the events in order.
   */
  private answer(bytes: Uint8Array, to: UdpPeer): EngineError | undefined {
    try {
      checkSize(bytes.length, to.family === 'IPv4' || to.address.startsWith('::ffff:'));
    } catch (err) {
      return toEngineError(err);
    }
    // No callback on purpose: without one Node tries a synchronous send first, which saves the echo a
    // full event-loop turn per datagram. A failure then surfaces as the socket's 'error' event.
    this.socket.send(bytes, to.port, to.address);
    this.counters.datagramsOut += 1;
    this.counters.bytesOut += bytes.length;
    return undefined;
  }

  /**
   * Bytes for an event. node:dgram gives every datagram its own exactly-sized memory (a test guards
   * this), and the answers are never mutated after they are compiled, so such bytes travel as they are;
   * anything that is a view into a larger buffer, or longer than the event limit, is copied.
   */
  private eventBytes(bytes: Uint8Array): WireBytes {
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    // A plain Uint8Array view, not the Buffer itself: events are the same shape whatever made them.
    if (own && bytes.length <= this.options.maxEventDataBytes)
      return { data: new Uint8Array(bytes.buffer, 0, bytes.length), bytes: bytes.length, truncated: false };
    return wireBytes(bytes, this.options.maxEventDataBytes);
  }

  private takeAnswerToken(): boolean {
    const second = Math.floor(performance.now() / 1000);
    if (second !== this.answerWindow.second) this.answerWindow = { second, count: 0 };
    if (this.answerWindow.count >= this.options.maxAutoRepliesPerSecond) return false;
    this.answerWindow.count += 1;
    return true;
  }
}

function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (x: string) => x.replace(/^::ffff:/i, '');
  if (b === '0.0.0.0' || b === '::') return /^(127\.|::1$|::ffff:127\.)/.test(a);
  return strip(a) === strip(b);
}
