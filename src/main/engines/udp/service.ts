// The UDP engine as the dispatcher sees it: owns the socket sessions of one app instance and turns
// contract inputs into endpoint calls. Payload text (text, \XX escapes, hex) is decoded here, so the CLI
// and the UI get the same INVALID_HEX / INVALID_ESCAPE errors.
import type { z } from 'zod';
import {
  UDP_DEFAULTS,
  type UdpEvent,
  type UdpSocketInfo,
  type udpContract,
} from '../../../shared/contract/udp';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { payloadBytes } from '../common/payload';
import { familyForHost } from './address';
import { UdpEndpoint } from './socket';

type In<K extends keyof typeof udpContract> = z.output<(typeof udpContract)[K]['input']>;

export interface UdpServiceOptions {
  maxSockets: number;
}

export class UdpService extends TypedEmitter<UdpEvent> {
  private readonly sockets = new Map<string, UdpEndpoint>();
  private readonly ids = new IdSequence('udp-');
  private readonly options: UdpServiceOptions;

  constructor(options: Partial<UdpServiceOptions> = {}) {
    super();
    this.options = { maxSockets: UDP_DEFAULTS.maxSockets, ...options };
  }

  async bind(input: In<'bind'>): Promise<UdpSocketInfo> {
    if (this.sockets.size >= this.options.maxSockets)
      throw new EngineError('LIMIT_EXCEEDED', `maxSockets (${this.options.maxSockets}) reached`);
    const family = input.family ?? (await familyForHost(input.host));
    const session = this.ids.next();
    const endpoint = new UdpEndpoint(session, { ...input, family });
    endpoint.on((e) => this.emit(e));
    const info = await endpoint.start();
    this.sockets.set(session, endpoint);
    return info;
  }

  async close(input: In<'close'>): Promise<Record<string, never>> {
    await this.socket(input.session).close();
    this.sockets.delete(input.session);
    return {};
  }

  send(input: In<'send'>): Promise<{ bytes: number; to: string }> {
    return this.socket(input.session).send(payloadBytes(input.data, input.encoding), input.host, input.port);
  }

  reply(input: In<'reply'>): Promise<{ bytes: number; to: string }> {
    return this.socket(input.session).reply(payloadBytes(input.data, input.encoding), input.seq);
  }

  setOptions(input: In<'setOptions'>): UdpSocketInfo {
    const { session, ...patch } = input;
    return this.socket(session).setOptions(patch);
  }

  join(input: In<'join'>): UdpSocketInfo {
    return this.socket(input.session).join(input.group, input.interface, input.source);
  }

  leave(input: In<'leave'>): UdpSocketInfo {
    return this.socket(input.session).leave(input.group, input.interface, input.source);
  }

  list(): { sockets: UdpSocketInfo[] } {
    return { sockets: [...this.sockets.values()].map((s) => s.info()) };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sockets.values()].map((s) => s.close()));
    this.sockets.clear();
  }

  private socket(session: string): UdpEndpoint {
    const s = this.sockets.get(session);
    if (!s) throw new EngineError('NOT_FOUND', `no UDP socket ${session}`);
    return s;
  }
}
