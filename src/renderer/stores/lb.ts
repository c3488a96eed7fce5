// Load-balancer state in the renderer: balancers and demo-backend sets mirrored from the engine, the
// per-second samples (bounded, 600 = 10 minutes) and a bounded events log per balancer. The engine
// aggregates per second, so the renderer's work does not grow with connections per second.
import { defineStore } from 'pinia';
import { markRaw, reactive, shallowRef } from 'vue';
import type {
  LbBackendInput,
  LbConfigInput,
  LbDemoBackendInfo,
  LbDemoInfo,
  LbEvent,
  LbExportFormat,
  LbHealthConfig,
  LbInfo,
  LbLimits,
  LbProxyProtocol,
  LbSample,
  LbStrategy,
  WirelabEvent,
} from '../../shared/contract';
import { LB_DEFAULTS } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { useAppStore } from './app';

export interface BalancerSession {
  session: string;
  info: LbInfo;
  running: boolean;
  /** Oldest first, at most LB_DEFAULTS.historySamples; not deeply reactive — watch `version`. */
  history: LbSample[];
  log: BoundedLog<LogEntry>;
  version: number;
}

export const useLbStore = defineStore('lb', () => {
  const api = useApi();
  const app = useAppStore();
  const balancers = shallowRef<BalancerSession[]>([]);
  const demos = shallowRef<LbDemoInfo[]>([]);
  let entryId = 0;
  // Events may overtake the reply that creates their session; they wait here, bounded.
  const parking = new EventParking<WirelabEvent>(200, 20);
  const park = (e: WirelabEvent) => parking.park(e);

  const balancerOf = (session: string) => balancers.value.find((b) => b.session === session);

  function addBalancer(info: LbInfo, history: LbSample[] = []): BalancerSession {
    const existing = balancerOf(info.session);
    if (existing) return existing;
    const b = reactive({
      session: info.session,
      info,
      running: info.state === 'running',
      history: markRaw(history.slice(-LB_DEFAULTS.historySamples)),
      log: markRaw(new BoundedLog<LogEntry>(Math.min(app.settings.logLimit, 5000))),
      version: 0,
    }) as BalancerSession;
    balancers.value = [...balancers.value, b];
    const parked = parking.take(info.session);
    if (parked.length) apply(parked);
    return balancerOf(info.session)!;
  }

  function note(b: BalancerSession, at: number, dir: LogEntry['dir'], text: string): void {
    b.log.push({ id: ++entryId, at, dir, text });
  }

  function setDemoBackend(session: string, backend: LbDemoBackendInfo): void {
    demos.value = demos.value.map((d) =>
      d.session === session
        ? { ...d, backends: d.backends.map((x) => (x.index === backend.index ? backend : x)) }
        : d,
    );
  }

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<BalancerSession>();
    for (const ev of batch) {
      if (ev.engine === 'bus') {
        const b = balancerOf(ev.session);
        if (b) {
          b.log.addDropped(ev.count);
          touched.add(b);
        }
        continue;
      }
      if (ev.engine !== 'lb') continue;
      const e: LbEvent = ev;
      if (e.type === 'demo.started') {
        if (!demos.value.some((d) => d.session === e.session)) demos.value = [...demos.value, e.demo];
        continue;
      }
      if (e.type === 'demo.stopped') {
        demos.value = demos.value.filter((d) => d.session !== e.session);
        continue;
      }
      if (e.type === 'demo.backend') {
        setDemoBackend(e.session, e.backend);
        continue;
      }
      const b = balancerOf(e.session);
      if (!b) {
        park(e);
        continue;
      }
      touched.add(b);
      switch (e.type) {
        case 'started':
          b.info = e.info;
          b.running = true;
          note(
            b,
            e.at,
            'info',
            `balancing ${e.info.host}:${e.info.port} over ${e.info.backends.length} backend(s), ${e.info.strategy}`,
          );
          break;
        case 'stopped':
          b.running = false;
          b.info = { ...b.info, state: 'stopped' };
          note(b, e.at, 'info', 'balancer stopped');
          break;
        case 'config':
          b.info = e.info;
          note(
            b,
            e.at,
            'info',
            `settings changed: strategy ${e.info.strategy}, checks ${e.info.health.type}, PROXY ${e.info.proxyProtocol}`,
          );
          break;
        case 'backend.added':
          b.info = {
            ...b.info,
            backends: [...b.info.backends.filter((x) => x.id !== e.backend.id), e.backend],
          };
          note(b, e.at, 'info', `backend ${e.backend.name} added`);
          break;
        case 'backend.updated':
          b.info = {
            ...b.info,
            backends: b.info.backends.map((x) => (x.id === e.backend.id ? e.backend : x)),
          };
          note(b, e.at, 'info', `backend ${e.backend.name}: weight ${e.backend.weight}, ${e.backend.state}`);
          break;
        case 'backend.removed':
          b.info = { ...b.info, backends: b.info.backends.filter((x) => x.id !== e.backendId) };
          note(b, e.at, 'info', `backend ${e.name} removed (${e.activeLeft} connections left to finish)`);
          break;
        case 'backend.state':
          b.info = {
            ...b.info,
            backends: b.info.backends.map((x) =>
              x.id === e.backendId
                ? {
                    ...x,
                    health: e.health,
                    state: x.enabled ? (x.drain ? 'drain' : e.health) : 'disabled',
                    lastCheck: e.check,
                  }
                : x,
            ),
          };
          note(
            b,
            e.at,
            e.health === 'down' ? 'error' : 'info',
            `backend ${e.name} is ${e.health.toUpperCase()} (${e.check.detail})`,
          );
          break;
        case 'retry':
          note(
            b,
            e.at,
            'error',
            `connect to ${e.name} failed (${e.code}) ×${e.count}: client retried on another backend`,
          );
          break;
        case 'rejected':
          note(b, e.at, 'error', `${e.count} client(s) closed: ${e.reason} (${e.code})`);
          break;
        case 'error':
          note(b, e.at, 'error', `${e.code}: ${e.message}`);
          break;
        case 'stats': {
          b.history.push(e.sample);
          if (b.history.length > LB_DEFAULTS.historySamples)
            b.history.splice(0, b.history.length - LB_DEFAULTS.historySamples);
          const rows = new Map(e.sample.backends.map((r) => [r.id, r]));
          b.info = {
            ...b.info,
            active: e.sample.active,
            queued: e.sample.queued,
            backends: b.info.backends.map((x) => {
              const r = rows.get(x.id);
              return r ? { ...x, active: r.active, state: r.state, errors: r.errors } : x;
            }),
          };
          break;
        }
      }
    }
    for (const b of touched) b.version++;
  }
  useEventRouter().on('lb', apply);

  async function refresh(): Promise<void> {
    const r = await unwrap(api.lb.list({}));
    demos.value = r.demos;
    for (const info of r.balancers) {
      const b = balancerOf(info.session);
      if (b) b.info = info;
      else {
        const s = await unwrap(api.lb.stats({ session: info.session }));
        addBalancer(s.info, s.history);
      }
    }
  }

  /** Totals (connections, bytes, check results) that the per-second samples do not carry. */
  async function refreshInfo(session: string): Promise<void> {
    const b = balancerOf(session);
    if (!b || !b.running) return;
    b.info = await unwrap(api.lb.info({ session }));
  }

  async function start(config: LbConfigInput): Promise<BalancerSession> {
    const info = await unwrap(api.lb.start(config));
    return addBalancer(info);
  }

  async function stop(session: string): Promise<void> {
    await unwrap(api.lb.stop({ session }));
    const b = balancerOf(session);
    if (b) {
      b.running = false;
      b.info = { ...b.info, state: 'stopped' };
    }
  }

  function remove(session: string): void {
    balancers.value = balancers.value.filter((b) => b.session !== session);
  }

  async function addBackend(session: string, backend: LbBackendInput): Promise<void> {
    await unwrap(api.lb.addBackend({ session, backend }));
    await refreshInfo(session);
  }

  async function removeBackend(session: string, backendId: string): Promise<void> {
    await unwrap(api.lb.removeBackend({ session, backendId }));
    await refreshInfo(session);
  }

  async function updateBackend(
    session: string,
    backendId: string,
    patch: { weight?: number; enabled?: boolean; drain?: boolean; maxConn?: number },
  ): Promise<void> {
    await unwrap(api.lb.updateBackend({ session, backendId, ...patch }));
    await refreshInfo(session);
  }

  async function setStrategy(session: string, strategy: LbStrategy): Promise<void> {
    const b = balancerOf(session);
    const info = await unwrap(api.lb.setStrategy({ session, strategy }));
    if (b) b.info = info;
  }

  async function setHealthCheck(session: string, health: LbHealthConfig): Promise<void> {
    const b = balancerOf(session);
    const info = await unwrap(api.lb.setHealthCheck({ session, health }));
    if (b) b.info = info;
  }

  async function setLimits(session: string, limits: LbLimits): Promise<void> {
    const b = balancerOf(session);
    const info = await unwrap(api.lb.setLimits({ session, limits }));
    if (b) b.info = info;
  }

  async function setProxyProtocol(session: string, proxyProtocol: LbProxyProtocol): Promise<void> {
    const b = balancerOf(session);
    const info = await unwrap(api.lb.setProxyProtocol({ session, proxyProtocol }));
    if (b) b.info = info;
  }

  async function exportConfig(
    session: string,
    format: LbExportFormat,
  ): Promise<{ text: string; warnings: string[] }> {
    return unwrap(api.lb.exportConfig({ session, format }));
  }

  async function demoStart(input: {
    count: number;
    basePort: number;
    latencyMs: number;
    failureRate: number;
  }): Promise<LbDemoInfo> {
    const info = await unwrap(api.lb.demoStart(input));
    if (!demos.value.some((d) => d.session === info.session)) demos.value = [...demos.value, info];
    return info;
  }

  async function demoStop(session: string): Promise<void> {
    await unwrap(api.lb.demoStop({ session }));
    demos.value = demos.value.filter((d) => d.session !== session);
  }

  async function demoSet(
    session: string,
    index: number,
    patch: { running?: boolean; latencyMs?: number; failureRate?: number },
  ): Promise<void> {
    const b = await unwrap(api.lb.demoSetBackend({ session, index, ...patch }));
    setDemoBackend(session, b);
  }

  return {
    balancers,
    demos,
    refresh,
    refreshInfo,
    start,
    stop,
    remove,
    addBackend,
    removeBackend,
    updateBackend,
    setStrategy,
    setHealthCheck,
    setLimits,
    setProxyProtocol,
    exportConfig,
    demoStart,
    demoStop,
    demoSet,
  };
});
