// Load-balancer state in the renderer: balancers and demo-backend sets mirrored from the engine, the
// per-second samples (bounded, 600 = 10 minutes), a bounded events log per balancer, and the settings
// form. The engine aggregates per second, so the renderer's work does not grow with connections/s.
//
// Two kinds of form state, never mixed: the draft of a balancer not started yet (`form`), and, per
// running balancer, only the fields the user changed (`edits`). A running balancer's form shows the
// engine's own settings with those edits over them, and Apply sends the engine's current settings
// (read back just before) with the edits over them — so a setting the user did not touch is never
// reset to a form default.
import { defineStore } from 'pinia';
import { computed, markRaw, shallowRef } from 'vue';
import { z } from 'zod';
import type {
  LbBackendInput,
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
} from '../../shared/contract';
import { LB_DEFAULTS, LbStrategy as LbStrategySchema } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import type { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { numberField, TextViewOption } from '../lib/forms';
import { persisted } from '../lib/persisted';
import { createSessionStore, listenAddress } from '../lib/session-store';
import { describeLbEvent } from './lb-events';

/** A balancer as the engine lists it, with its recent samples. */
interface ListedBalancer {
  session: string;
  info: LbInfo;
  history: LbSample[];
}

export interface BalancerSession {
  session: string;
  info: LbInfo;
  running: boolean;
  /** Oldest first, at most LB_DEFAULTS.historySamples; not deeply reactive — watch `version`. */
  history: LbSample[];
  log: BoundedLog<LogEntry>;
  version: number;
}

// Numbers are kept as typed (a half-typed field is not a number yet); they are parsed on start/apply.
const field = z.union([z.number(), z.string()]);
export const HealthForm = z.object({
  type: z.enum(['none', 'tcp', 'http']),
  path: z.string(),
  statusMin: field,
  statusMax: field,
  intervalMs: field,
  timeoutMs: field,
  rise: field,
  fall: field,
});
export type HealthForm = z.infer<typeof HealthForm>;
export const LimitsForm = z.object({
  maxConn: field,
  connectTimeoutMs: field,
  idleTimeoutMs: field,
  halfClosedTimeoutMs: field,
  queueSize: field,
  queueTimeoutMs: field,
  retries: field,
});
export type LimitsForm = z.infer<typeof LimitsForm>;
export const DraftBackend = z.object({
  key: z.number(),
  name: z.string().optional(),
  host: z.string(),
  port: z.number(),
  weight: field,
  enabled: z.boolean(),
  drain: z.boolean(),
});
export type DraftBackend = z.infer<typeof DraftBackend>;
export const LbForm = z.object({
  host: z.string(),
  port: z.string(),
  strategy: LbStrategySchema,
  proxyProtocol: z.enum(['off', 'v1', 'v2']),
  health: HealthForm,
  limits: LimitsForm,
  backends: z.array(DraftBackend),
  addText: z.string(),
});
/** Per running balancer: the fields the user changed and has not applied yet. */
export const LbEdits = z.record(
  z.string(),
  z.object({ health: HealthForm.partial().optional(), limits: LimitsForm.partial().optional() }),
);
export const LbView = z.object({ windowSecs: z.number(), textView: TextViewOption, addText: z.string() });
export const DemoForm = z.object({
  count: z.string(),
  basePort: z.string(),
  latency: z.string(),
  failure: z.string(),
});

const parseHealth = (h: HealthForm): LbHealthConfig => ({
  type: h.type,
  path: h.path,
  statusMin: numberField(h.statusMin),
  statusMax: numberField(h.statusMax),
  intervalMs: numberField(h.intervalMs),
  timeoutMs: numberField(h.timeoutMs),
  rise: numberField(h.rise),
  fall: numberField(h.fall),
});
const parseLimits = (l: LimitsForm): LbLimits =>
  Object.fromEntries(Object.entries(l).map(([k, v]) => [k, numberField(v)])) as LbLimits;

export const useLbStore = defineStore('lb', () => {
  const api = useApi();
  const demos = shallowRef<LbDemoInfo[]>([]);
  const balancers = createSessionStore<'lb', BalancerSession, ListedBalancer>({
    engine: 'lb',
    selectionKey: 'lb.selected',
    parking: { perSession: 200, sessions: 20 },
    accepts: (e) => !e.type.startsWith('demo.'),
    handle: (b, e, id) => {
      applyLbEvent(b, e);
      const note = describeLbEvent(e);
      if (note) b.log.push({ id: id(), at: e.at, dir: note.dir, text: note.text });
    },
    list: async () => {
      const r = await unwrap(api.lb.list({}));
      demos.value = r.demos;
      // Each with its recent samples, so a balancer shown for the first time has its chart at once.
      return Promise.all(
        r.balancers.map(async (info) => {
          const s = await unwrap(api.lb.stats({ session: info.session }));
          return { session: info.session, info: s.info, history: s.history };
        }),
      );
    },
    create: (b, newLog) => ({
      session: b.session,
      info: b.info,
      running: b.info.state === 'running',
      history: markRaw(b.history.slice(-LB_DEFAULTS.historySamples)),
      log: newLog<LogEntry>(5000),
    }),
    update: (b, listed) => (b.info = listed.info),
    identity: listenAddress,
  });

  const form = persisted('lb.form', LbForm, {
    host: LB_DEFAULTS.listenHost,
    port: '0',
    strategy: LB_DEFAULTS.strategy,
    proxyProtocol: LB_DEFAULTS.proxyProtocol,
    health: { ...LB_DEFAULTS.health },
    limits: {
      maxConn: LB_DEFAULTS.maxConn,
      connectTimeoutMs: LB_DEFAULTS.connectTimeoutMs,
      idleTimeoutMs: LB_DEFAULTS.idleTimeoutMs,
      halfClosedTimeoutMs: LB_DEFAULTS.halfClosedTimeoutMs,
      queueSize: LB_DEFAULTS.queueSize,
      queueTimeoutMs: LB_DEFAULTS.queueTimeoutMs,
      retries: LB_DEFAULTS.retries,
    },
    backends: [],
    addText: '',
  });
  const edits = persisted('lb.edits', LbEdits, {});
  const demoForm = persisted('lb.demoForm', DemoForm, {
    count: '3',
    basePort: '0',
    latency: '0',
    failure: '0',
  });
  /** The live view's options: chart window, how log bytes are shown, the backend being typed. */
  const view = persisted('lb.view', LbView, { windowSecs: 120, textView: 'utf8', addText: '' });

  const current = balancers.current;
  /** The balancer the form edits live, if the shown one is running. */
  const live = computed(() => (current.value?.running ? current.value : undefined));

  /**
   * What the health or limits fields show and edit: the draft before start; once running, the
   * engine's settings with the user's unapplied edits over them (writes go to the edits only).
   */
  function editor<G extends 'health' | 'limits'>(group: G): (typeof form.value)[G] {
    type F = (typeof form.value)[G];
    const keys = Object.keys(form.value[group]) as (keyof F & string)[];
    const view = {} as F;
    for (const k of keys)
      Object.defineProperty(view, k, {
        enumerable: true,
        get: () => {
          const b = live.value;
          if (!b) return form.value[group][k];
          const edited = (edits.value[b.session]?.[group] as Partial<F> | undefined)?.[k];
          return edited !== undefined ? edited : (b.info[group] as F)[k];
        },
        set: (v: F[typeof k]) => {
          const b = live.value;
          if (!b) {
            form.value[group][k] = v;
            return;
          }
          const mine = (edits.value[b.session] ??= {});
          ((mine[group] ??= {}) as Partial<F>)[k] = v;
        },
      });
    return view;
  }
  const health = editor('health');
  const limits = editor('limits');
  const pending = (session: string, group: 'health' | 'limits') =>
    Object.keys(edits.value[session]?.[group] ?? {}).length > 0;

  function setDemoBackend(session: string, backend: LbDemoBackendInfo): void {
    demos.value = demos.value.map((d) =>
      d.session === session
        ? { ...d, backends: d.backends.map((x) => (x.index === backend.index ? backend : x)) }
        : d,
    );
  }
  useEventRouter().on('lb', (batch) => {
    for (const ev of batch) {
      if (ev.engine !== 'lb') continue;
      if (ev.type === 'demo.started' && !demos.value.some((d) => d.session === ev.session))
        demos.value = [...demos.value, ev.demo];
      else if (ev.type === 'demo.stopped') demos.value = demos.value.filter((d) => d.session !== ev.session);
      else if (ev.type === 'demo.backend') setDemoBackend(ev.session, ev.backend);
    }
  });

  const refresh = () => balancers.sync();

  /** Totals (connections, bytes, check results) that the per-second samples do not carry. */
  async function refreshInfo(session: string): Promise<void> {
    const b = balancers.find(session);
    if (!b || !b.running) return;
    b.info = await unwrap(api.lb.info({ session }));
  }
  function setInfo(session: string, info: LbInfo): void {
    const b = balancers.find(session);
    if (b) b.info = info;
  }

  /** Starts a balancer from the draft form. */
  async function start(): Promise<BalancerSession> {
    const f = form.value;
    const info = await unwrap(
      api.lb.start({
        host: f.host.trim(),
        port: numberField(f.port),
        strategy: f.strategy,
        proxyProtocol: f.proxyProtocol,
        health: parseHealth(f.health),
        limits: parseLimits(f.limits),
        backends: f.backends.map((d) => ({
          name: d.name,
          host: d.host,
          port: d.port,
          weight: numberField(d.weight),
          enabled: d.enabled,
          drain: d.drain,
        })),
      }),
    );
    return balancers.adopt({ session: info.session, info, history: [] }, { select: true });
  }

  async function stop(session: string): Promise<void> {
    await unwrap(api.lb.stop({ session }));
    const b = balancers.find(session);
    if (b) {
      b.running = false;
      b.info = { ...b.info, state: 'stopped' };
    }
  }
  function remove(session: string): void {
    balancers.drop((b) => b.session === session);
    const { [session]: _gone, ...rest } = edits.value;
    edits.value = rest;
  }

  /**
   * Applies the user's edits of one group to a running balancer: the engine's current settings, read
   * back now (another window or the CLI may have changed them), with only the edited fields replaced.
   */
  async function applyEdits(session: string, group: 'health' | 'limits'): Promise<void> {
    const changed = edits.value[session]?.[group];
    if (!changed || Object.keys(changed).length === 0) return;
    const now = await unwrap(api.lb.info({ session }));
    const info =
      group === 'health'
        ? await unwrap(
            api.lb.setHealthCheck({
              session,
              health: parseHealth({ ...now.health, ...(changed as Partial<HealthForm>) }),
            }),
          )
        : await unwrap(
            api.lb.setLimits({
              session,
              limits: parseLimits({ ...now.limits, ...(changed as Partial<LimitsForm>) }),
            }),
          );
    setInfo(session, info);
    const mine = { ...edits.value[session] };
    delete mine[group];
    edits.value = { ...edits.value, [session]: mine };
  }
  /** Drops unapplied edits of a group: the form shows the engine's settings again. */
  function discardEdits(session: string, group: 'health' | 'limits'): void {
    const mine = { ...edits.value[session] };
    delete mine[group];
    edits.value = { ...edits.value, [session]: mine };
  }

  async function addBackend(session: string, backend: LbBackendInput): Promise<void> {
    await unwrap(api.lb.addBackend({ session, backend }));
    await refreshInfo(session);
  }
  async function removeBackend(session: string, backendId: string): Promise<void> {
    await unwrap(api.lb.removeBackend({ session, backendId }));
    await refreshInfo(session);
  }
  /** Changes only the fields given of one backend. */
  async function updateBackend(
    session: string,
    backendId: string,
    patch: { weight?: number; enabled?: boolean; drain?: boolean; maxConn?: number },
  ): Promise<void> {
    await unwrap(api.lb.updateBackend({ session, backendId, ...patch }));
    await refreshInfo(session);
  }
  /** The strategy select: live on a running balancer, else the draft's. */
  async function setStrategy(strategy: LbStrategy): Promise<void> {
    const b = live.value;
    if (b) setInfo(b.session, await unwrap(api.lb.setStrategy({ session: b.session, strategy })));
    else form.value.strategy = strategy;
  }
  async function setProxyProtocol(proxyProtocol: LbProxyProtocol): Promise<void> {
    const b = live.value;
    if (b) setInfo(b.session, await unwrap(api.lb.setProxyProtocol({ session: b.session, proxyProtocol })));
    else form.value.proxyProtocol = proxyProtocol;
  }
  async function exportConfig(
    session: string,
    format: LbExportFormat,
  ): Promise<{ text: string; warnings: string[] }> {
    return unwrap(api.lb.exportConfig({ session, format }));
  }

  /** Starts demo backends from the demo form; returns them so the draft can use them. */
  async function demoStart(): Promise<LbDemoInfo> {
    const f = demoForm.value;
    const info = await unwrap(
      api.lb.demoStart({
        count: numberField(f.count),
        basePort: numberField(f.basePort),
        latencyMs: numberField(f.latency),
        failureRate: numberField(f.failure) / 100,
      }),
    );
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
    setDemoBackend(session, await unwrap(api.lb.demoSetBackend({ session, index, ...patch })));
  }

  return {
    balancers: balancers.sessions,
    current,
    live,
    select: balancers.select,
    demos,
    form,
    edits,
    demoForm,
    view,
    health,
    limits,
    pending,
    refresh,
    refreshInfo,
    start,
    stop,
    remove,
    applyEdits,
    discardEdits,
    addBackend,
    removeBackend,
    updateBackend,
    setStrategy,
    setProxyProtocol,
    exportConfig,
    demoStart,
    demoStop,
    demoSet,
  };
});

/** How an engine event changes the mirrored balancer (the log line is described in lb-events.ts). */
function applyLbEvent(b: BalancerSession, e: LbEvent): void {
  switch (e.type) {
    case 'started':
      b.info = e.info;
      b.running = true;
      return;
    case 'stopped':
      b.running = false;
      b.info = { ...b.info, state: 'stopped' };
      return;
    case 'config':
      b.info = e.info;
      return;
    case 'backend.added':
      b.info = { ...b.info, backends: [...b.info.backends.filter((x) => x.id !== e.backend.id), e.backend] };
      return;
    case 'backend.updated':
      b.info = { ...b.info, backends: b.info.backends.map((x) => (x.id === e.backend.id ? e.backend : x)) };
      return;
    case 'backend.removed':
      b.info = { ...b.info, backends: b.info.backends.filter((x) => x.id !== e.backendId) };
      return;
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
      return;
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
      return;
    }
  }
}
