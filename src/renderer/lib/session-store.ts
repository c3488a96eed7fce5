// What every session store shares: a list of sessions mirrored from one engine, events routed to their
// session (parked while the reply that creates the session is still on its way), a `version` per
// session bumped once per batch (logs are raw objects, so views watch the number), and which session
// the page shows — kept in the workspace, so leaving a page and coming back shows the same session.
//
// A store calls this once per kind of session (the TCP store: servers and clients) inside its Pinia
// setup; the store keeps only what its engine adds: how an event changes a session, how a listed session
// becomes a view, and its API calls. Reading the engine's list is part of the factory on purpose: when
// the engine host restarts under the page, every kind re-reads its sessions here (the old ones no longer
// exist; flagged servers came back under new ids), so no store can keep showing sessions that are gone.
import { computed, markRaw, reactive, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { z } from 'zod';
import type { EngineName, WirelabEvent } from '../../shared/contract';
import { useEventRouter } from '../api';
import { useAppStore } from '../stores/app';
import { useWorkspaceStore } from '../stores/workspace';
import { BoundedLog } from './bounded-log';
import { EventParking } from './event-parking';
import { persisted } from './persisted';

export interface SessionBase {
  session: string;
  version: number;
  log: { addDropped(count: number): void };
}

type EngineEvent<K extends EngineName> = Extract<WirelabEvent, { engine: K }>;

export type NewSession<S extends SessionBase> = Omit<S, 'version'> & { version?: number };

export interface SessionStoreOptions<
  K extends EngineName,
  S extends SessionBase,
  I extends { session: string },
> {
  engine: K;
  /** Workspace key of the selected session ("tcp.server.selected"). */
  selectionKey: string;
  /** Which events are this kind's (a TCP server store takes `server.*` only). Default: all. */
  accepts?: (e: EngineEvent<K>) => boolean;
  /** How one event changes its session; `id` numbers log entries across the store. */
  handle: (s: S, e: EngineEvent<K>, id: () => number) => void;
  /** Parked events at most per session, and sessions at most (defaults 1000 and 50). */
  parking?: { perSession: number; sessions: number };
  /** This kind's sessions as the engine lists them now (its `list` call). */
  list: () => Promise<I[]>;
  /** The view of a session the list reports and the store does not have yet (`newLog` as below). */
  create: (item: I, newLog: <T>(max?: number) => BoundedLog<T>) => NewSession<S>;
  /** Brings a session the store has up to date with the list (default: nothing to update). */
  update?: (s: S, item: I) => void;
  /**
   * What makes a session the same one across an engine restart (a server's address): the selection
   * follows it to the session restored under a new id. Without it a vanished selection is cleared.
   */
  identity?: (s: S) => string;
}

export interface SessionStore<S extends SessionBase, I extends { session: string } = { session: string }> {
  sessions: ShallowRef<S[]>;
  /** The session the page shows: the selected one, else the newest. */
  current: ComputedRef<S | undefined>;
  selected: Ref<string | null>;
  find(session: string): S | undefined;
  /** Adds a session reported by the engine (once), replays what was parked for it, selects it. */
  add(s: NewSession<S>, opts?: { select?: boolean }): S;
  /** `add` for what the engine answered (a start or connect reply, a list row), through `create`. */
  adopt(item: I, opts?: { select?: boolean }): S;
  /** Drops sessions the predicate matches (the store decides which may go, e.g. only stopped ones). */
  drop(pred: (s: S) => boolean): void;
  apply(batch: WirelabEvent[]): void;
  /** A bounded log for a new session, marked raw, sized by the user's log limit. */
  newLog<T>(max?: number): BoundedLog<T>;
  select(session: string): void;
  /**
   * Reads the engine's list: sessions not shown yet are added, shown ones updated. After an engine
   * restart (`restarted`) every shown session is stale and dropped first; stopped sessions the user
   * keeps on screen are otherwise left alone (the engine no longer lists them, the page still does).
   */
  sync(opts?: { restarted?: boolean }): Promise<void>;
}

/** The usual identity of a server session across restarts: the address it listens on. */
export const listenAddress = (s: { info: { host: string; port: number } }): string =>
  `${s.info.host}:${s.info.port}`;

export function createSessionStore<
  K extends EngineName,
  S extends SessionBase,
  I extends { session: string } = { session: string },
>(opts: SessionStoreOptions<K, S, I>): SessionStore<S, I> {
  const app = useAppStore();
  const workspace = useWorkspaceStore();
  const sessions = shallowRef<S[]>([]);
  const parking = new EventParking<WirelabEvent>(opts.parking?.perSession, opts.parking?.sessions);
  const selected = persisted(opts.selectionKey, z.string().nullable(), null);
  let entryId = 0;
  const nextId = () => ++entryId;

  const find = (session: string) => sessions.value.find((s) => s.session === session);
  const current = computed(
    () => (selected.value ? find(selected.value) : undefined) ?? sessions.value.at(-1),
  );

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<S>();
    for (const ev of batch) {
      if (ev.engine === 'bus') {
        // A "dropped N" note for a session of this kind; one for a session not yet here is parked too.
        if (ev.forEngine !== opts.engine) continue;
        const s = find(ev.session);
        if (s) {
          s.log.addDropped(ev.count);
          touched.add(s);
        }
        continue;
      }
      if (ev.engine !== opts.engine) continue;
      const e = ev as EngineEvent<K>;
      if (opts.accepts && !opts.accepts(e)) continue;
      const s = find(ev.session);
      if (!s) {
        parking.park(ev);
        continue;
      }
      opts.handle(s, e, nextId);
      touched.add(s);
    }
    for (const s of touched) s.version++;
  }

  function add(init: NewSession<S>, o: { select?: boolean } = {}): S {
    const existing = find(init.session);
    if (existing) return existing;
    const s = reactive({ version: 0, ...init }) as S;
    sessions.value = [...sessions.value, s];
    const parked = parking.take(init.session);
    if (parked.length) apply(parked);
    if (o.select) selected.value = init.session;
    return find(init.session)!;
  }

  function adopt(item: I, o: { select?: boolean } = {}): S {
    return find(item.session) ?? add(opts.create(item, newLog), o);
  }

  function drop(pred: (s: S) => boolean): void {
    sessions.value = sessions.value.filter((s) => !pred(s));
  }

  function newLog<T>(max?: number): BoundedLog<T> {
    const limit = max === undefined ? app.settings.logLimit : Math.min(app.settings.logLimit, max);
    return markRaw(new BoundedLog<T>(limit));
  }

  async function sync(o: { restarted?: boolean } = {}): Promise<void> {
    const was = o.restarted && selected.value ? find(selected.value) : undefined;
    const key = was && opts.identity ? opts.identity(was) : undefined;
    // Dropped before the list is read: events of the new engines that arrive meanwhile are parked and
    // replayed onto the listed sessions instead of landing on a stale view with a reused id.
    if (o.restarted) sessions.value = [];
    const items = await opts.list();
    for (const item of items) {
      const s = find(item.session);
      if (s) opts.update?.(s, item);
      else adopt(item);
    }
    if (!o.restarted) return;
    const again = key === undefined ? undefined : sessions.value.find((s) => opts.identity!(s) === key);
    if (again) selected.value = again.session;
    else if (selected.value && !find(selected.value)) selected.value = null;
  }

  useEventRouter().on(opts.engine, apply);
  workspace.onEnginesRestarted(() => sync({ restarted: true }));

  return {
    sessions,
    current,
    selected,
    find,
    add,
    adopt,
    drop,
    apply,
    newLog,
    select: (session) => (selected.value = session),
    sync,
  };
}
