// What every session store shares: a list of sessions mirrored from one engine, events routed to their
// session (parked while the reply that creates the session is still on its way), a `version` per
// session bumped once per batch (logs are raw objects, so views watch the number), and which session
// the page shows — kept in the workspace, so leaving a page and coming back shows the same session.
//
// A store calls this once per kind of session (the TCP store: servers and clients) inside its Pinia
// setup; the store keeps only what its engine adds: how an event changes a session, and its API calls.
import { computed, markRaw, reactive, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { z } from 'zod';
import type { EngineName, WirelabEvent } from '../../shared/contract';
import { useEventRouter } from '../api';
import { useAppStore } from '../stores/app';
import { BoundedLog } from './bounded-log';
import { EventParking } from './event-parking';
import { persisted } from './persisted';

export interface SessionBase {
  session: string;
  version: number;
  log: { addDropped(count: number): void };
}

type EngineEvent<K extends EngineName> = Extract<WirelabEvent, { engine: K }>;

export interface SessionStoreOptions<K extends EngineName, S extends SessionBase> {
  engine: K;
  /** Workspace key of the selected session ("tcp.server.selected"). */
  selectionKey: string;
  /** Which events are this kind's (a TCP server store takes `server.*` only). Default: all. */
  accepts?: (e: EngineEvent<K>) => boolean;
  /** How one event changes its session; `id` numbers log entries across the store. */
  handle: (s: S, e: EngineEvent<K>, id: () => number) => void;
  /** Parked events at most per session, and sessions at most (defaults 1000 and 50). */
  parking?: { perSession: number; sessions: number };
}

export interface SessionStore<S extends SessionBase> {
  sessions: ShallowRef<S[]>;
  /** The session the page shows: the selected one, else the newest. */
  current: ComputedRef<S | undefined>;
  selected: Ref<string | null>;
  find(session: string): S | undefined;
  /** Adds a session reported by the engine (once), replays what was parked for it, selects it. */
  add(s: Omit<S, 'version'> & { version?: number }, opts?: { select?: boolean }): S;
  /** Drops sessions the predicate matches (the store decides which may go, e.g. only stopped ones). */
  drop(pred: (s: S) => boolean): void;
  apply(batch: WirelabEvent[]): void;
  /** A bounded log for a new session, marked raw, sized by the user's log limit. */
  newLog<T>(max?: number): BoundedLog<T>;
  select(session: string): void;
}

export function createSessionStore<K extends EngineName, S extends SessionBase>(
  opts: SessionStoreOptions<K, S>,
): SessionStore<S> {
  const app = useAppStore();
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

  function add(init: Omit<S, 'version'> & { version?: number }, o: { select?: boolean } = {}): S {
    const existing = find(init.session);
    if (existing) return existing;
    const s = reactive({ version: 0, ...init }) as S;
    sessions.value = [...sessions.value, s];
    const parked = parking.take(init.session);
    if (parked.length) apply(parked);
    if (o.select) selected.value = init.session;
    return find(init.session)!;
  }

  function drop(pred: (s: S) => boolean): void {
    sessions.value = sessions.value.filter((s) => !pred(s));
  }

  function newLog<T>(max?: number): BoundedLog<T> {
    const limit = max === undefined ? app.settings.logLimit : Math.min(app.settings.logLimit, max);
    return markRaw(new BoundedLog<T>(limit));
  }

  useEventRouter().on(opts.engine, apply);

  return {
    sessions,
    current,
    selected,
    find,
    add,
    drop,
    apply,
    newLog,
    select: (session) => (selected.value = session),
  };
}
