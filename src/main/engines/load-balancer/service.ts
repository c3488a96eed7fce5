// The load-balancer engine as the dispatcher sees it: owns the balancers and demo-backend sets of one
// app instance (no module-level state) and forwards their events. Method names equal the contract's.
import type { z } from 'zod';
import type {
  LbBackendInfo,
  LbDemoBackendInfo,
  LbDemoInfo,
  LbEvent,
  LbInfo,
  LbStats,
  lbContract,
} from '../../../shared/contract/lb';
import { LbConfigInput } from '../../../shared/contract/lb';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { LoadBalancer } from './balancer';
import { DemoBackends } from './demo-backends';
import { exportConfig, type ExportResult } from './export';

type In<K extends keyof typeof lbContract> = z.output<(typeof lbContract)[K]['input']>;

export class LbService extends TypedEmitter<LbEvent> {
  private readonly balancers = new Map<string, LoadBalancer>();
  private readonly demos = new Map<string, DemoBackends>();
  private readonly lbIds = new IdSequence('lb-');
  private readonly demoIds = new IdSequence('demo-');

  async start(input: In<'start'>): Promise<LbInfo> {
    const session = this.lbIds.next();
    const lb = new LoadBalancer(session, input);
    lb.on((e) => this.emit(e));
    const info = await lb.start();
    this.balancers.set(session, lb);
    return info;
  }

  async stop(input: In<'stop'>): Promise<{ closedConnections: number }> {
    const lb = this.lb(input.session);
    const closedConnections = await lb.close();
    this.balancers.delete(input.session);
    return { closedConnections };
  }

  info(input: In<'info'>): LbInfo {
    return this.lb(input.session).info();
  }

  list(): { balancers: LbInfo[]; demos: LbDemoInfo[] } {
    return {
      balancers: [...this.balancers.values()].map((b) => b.info()),
      demos: [...this.demos.values()].map((d) => d.info()),
    };
  }

  stats(input: In<'stats'>): LbStats {
    const lb = this.lb(input.session);
    return { session: input.session, info: lb.info(), history: lb.historySamples() };
  }

  addBackend(input: In<'addBackend'>): Promise<LbBackendInfo> {
    return this.lb(input.session).addBackend(input.backend);
  }

  removeBackend(input: In<'removeBackend'>): { activeLeft: number } {
    return this.lb(input.session).removeBackend(input.backendId);
  }

  updateBackend(input: In<'updateBackend'>): LbBackendInfo {
    const { session, backendId, ...patch } = input;
    return this.lb(session).updateBackend(backendId, patch);
  }

  setStrategy(input: In<'setStrategy'>): LbInfo {
    return this.lb(input.session).setStrategy(input.strategy);
  }

  setHealthCheck(input: In<'setHealthCheck'>): LbInfo {
    return this.lb(input.session).setHealthCheck(input.health);
  }

  setLimits(input: In<'setLimits'>): LbInfo {
    return this.lb(input.session).setLimits(input.limits);
  }

  setProxyProtocol(input: In<'setProxyProtocol'>): LbInfo {
    return this.lb(input.session).setProxyProtocol(input.proxyProtocol);
  }

  exportConfig(input: In<'exportConfig'>): ExportResult {
    const config =
      input.session !== undefined ? this.lb(input.session).config() : LbConfigInput.parse(input.config);
    return exportConfig(config, input.format);
  }

  async demoStart(input: In<'demoStart'>): Promise<LbDemoInfo> {
    const session = this.demoIds.next();
    const demo = new DemoBackends(session, input);
    demo.on((e) => this.emit(e));
    const info = await demo.start();
    this.demos.set(session, demo);
    return info;
  }

  async demoStop(input: In<'demoStop'>): Promise<Record<string, never>> {
    await this.demo(input.session).close();
    this.demos.delete(input.session);
    return {};
  }

  demoSetBackend(input: In<'demoSetBackend'>): Promise<LbDemoBackendInfo> {
    const { session, index, ...patch } = input;
    return this.demo(session).set(index, patch);
  }

  async close(): Promise<void> {
    await Promise.all([...this.balancers.values()].map((b) => b.close()));
    await Promise.all([...this.demos.values()].map((d) => d.close()));
    this.balancers.clear();
    this.demos.clear();
  }

  private lb(session: string): LoadBalancer {
    const lb = this.balancers.get(session);
    if (!lb) throw new EngineError('NOT_FOUND', `no load balancer ${session}`);
    return lb;
  }

  private demo(session: string): DemoBackends {
    const d = this.demos.get(session);
    if (!d) throw new EngineError('NOT_FOUND', `no demo backends ${session}`);
    return d;
  }
}
