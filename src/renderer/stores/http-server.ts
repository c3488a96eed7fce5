// Mock HTTP server state in the renderer: server sessions mirrored from the engine and, per session, a
// bounded inspector log of requests (marked raw; a `version` counter is what views watch). Limit events
// (slowloris cut off, connections dropped) go into the same log as notes.
import { defineStore } from 'pinia';
import { markRaw, reactive, shallowRef } from 'vue';
import type { HttpRouteInput, HttpServerInfo, InspectedRequest, WirelabEvent } from '../../shared/contract';
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import { useAppStore } from './app';

export type InspectorEntry =
  | { kind: 'request'; id: number; at: number; request: InspectedRequest }
  | { kind: 'note'; id: number; at: number; code: string; text: string };

export interface MockServerSession {
  session: string;
  info: HttpServerInfo;
  log: BoundedLog<InspectorEntry>;
  version: number;
  running: boolean;
}

export interface MockServerStart {
  host: string;
  port: number;
  tls: boolean;
  /** With tls: h2 and HTTP/1.1 by ALPN. Ignored without tls (the engine refuses h2 over cleartext). */
  http2: boolean;
  routes: HttpRouteInput[];
  staticDir?: string;
  staticListing: boolean;
  echo: boolean;
  cors: boolean;
  demoApi: boolean;
  helloWorld: boolean;
}

export const useHttpServerStore = defineStore('http-server', () => {
  const api = useApi();
  const app = useAppStore();
  const servers = shallowRef<MockServerSession[]>([]);
  let entryId = 0;
  const parking = new EventParking<WirelabEvent>(500, 20);

  const find = (session: string) => servers.value.find((s) => s.session === session);

  function add(info: HttpServerInfo): MockServerSession {
    const s = reactive({
      session: info.session,
      info,
      log: markRaw(new BoundedLog<InspectorEntry>(app.settings.logLimit)),
      version: 0,
      running: info.state === 'listening',
    }) as MockServerSession;
    servers.value = [...servers.value, s];
    const parked = parking.take(info.session);
    if (parked.length) apply(parked);
    return find(info.session)!;
  }

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<MockServerSession>();
    for (const e of batch) {
      const s = find(e.session);
      if (!s) {
        // Events can overtake the start() reply; keep a bounded few for replay.
        parking.park(e);
        continue;
      }
      touched.add(s);
      if (e.engine === 'bus') {
        s.log.addDropped(e.count);
        continue;
      }
      if (e.engine !== 'httpServer') continue;
      if (e.type === 'request') {
        s.log.push({ kind: 'request', id: ++entryId, at: e.at, request: e.request });
        s.info = { ...s.info, requests: s.info.requests + 1 };
      } else if (e.type === 'limit')
        s.log.push({
          kind: 'note',
          id: ++entryId,
          at: e.at,
          code: e.code,
          text: `${e.message}${e.remoteAddress ? ` (${e.remoteAddress})` : ''}`,
        });
      else if (e.type === 'error')
        s.log.push({ kind: 'note', id: ++entryId, at: e.at, code: e.code, text: e.message });
      else if (e.type === 'stopped') {
        s.running = false;
        s.info = { ...s.info, state: 'stopped' };
      }
    }
    for (const s of touched) s.version++;
  }
  useEventRouter().on('httpServer', apply);

  async function refresh(): Promise<void> {
    const list = await unwrap(api.httpServer.list({}));
    for (const info of list.servers) {
      const s = find(info.session);
      if (s) s.info = info;
      else add(info);
    }
  }

  async function start(input: MockServerStart): Promise<MockServerSession> {
    const info = await unwrap(
      api.httpServer.start({
        host: input.host,
        port: input.port,
        tls: input.tls,
        http2: input.tls && input.http2,
        routes: input.routes,
        staticDir: input.staticDir || undefined,
        staticListing: input.staticListing,
        echo: input.echo,
        cors: input.cors,
        demoApi: input.demoApi,
        helloWorld: input.helloWorld,
      }),
    );
    return add(info);
  }

  async function update(
    session: string,
    patch: Omit<Parameters<typeof api.httpServer.update>[0], 'session'>,
  ): Promise<void> {
    const info = await unwrap(api.httpServer.update({ session, ...patch }));
    const s = find(session);
    if (s) s.info = info;
  }

  async function stop(session: string): Promise<void> {
    await unwrap(api.httpServer.stop({ session }));
    const s = find(session);
    if (s) s.running = false;
  }

  function remove(session: string): void {
    servers.value = servers.value.filter((s) => s.session !== session || s.running);
  }

  return { servers, refresh, start, update, stop, remove };
});
