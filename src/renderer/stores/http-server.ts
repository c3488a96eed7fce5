// Mock HTTP server state in the renderer: server sessions mirrored from the engine and, per session, a
// bounded inspector log of requests (raw; views watch `version`). Limit events (slowloris cut off,
// connections dropped) go into the same log as notes. The start form and the routes being edited are
// kept in the workspace; the routes editor follows the selected server's routes as the engine has them.
import { defineStore } from 'pinia';
import { z } from 'zod';
import type { HttpServerInfo, InspectedRequest } from '../../shared/contract';
import { unwrap, useApi } from '../api';
import type { BoundedLog } from '../lib/bounded-log';
import { numberField } from '../lib/forms';
import { persisted } from '../lib/persisted';
import { createSessionStore, listenAddress } from '../lib/session-store';
import { RoutesDraft, toRoutes, toRows } from './http-server-routes';

export { RouteRow, RoutesDraft, toRoutes } from './http-server-routes';

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

export const MockServerForm = z.object({
  host: z.string(),
  port: z.string(),
  tls: z.boolean(),
  /** With tls: h2 and HTTP/1.1 by ALPN. Ignored without tls (the engine refuses h2 over cleartext). */
  http2: z.boolean(),
  echo: z.boolean(),
  cors: z.boolean(),
  demoApi: z.boolean(),
  helloWorld: z.boolean(),
  staticDir: z.string(),
  staticListing: z.boolean(),
});
export const useHttpServerStore = defineStore('http-server', () => {
  const api = useApi();
  const servers = createSessionStore<'httpServer', MockServerSession, HttpServerInfo>({
    engine: 'httpServer',
    selectionKey: 'httpServer.selected',
    parking: { perSession: 500, sessions: 20 },
    handle: (s, e, id) => {
      if (e.type === 'request') {
        s.log.push({ kind: 'request', id: id(), at: e.at, request: e.request });
        s.info = { ...s.info, requests: s.info.requests + 1 };
      } else if (e.type === 'limit')
        s.log.push({
          kind: 'note',
          id: id(),
          at: e.at,
          code: e.code,
          text: `${e.message}${e.remoteAddress ? ` (${e.remoteAddress})` : ''}`,
        });
      else if (e.type === 'error')
        s.log.push({ kind: 'note', id: id(), at: e.at, code: e.code, text: e.message });
      else if (e.type === 'stopped') {
        s.running = false;
        s.info = { ...s.info, state: 'stopped' };
      }
    },
    list: async () => (await unwrap(api.httpServer.list({}))).servers,
    create: (info, newLog) => ({
      session: info.session,
      info,
      log: newLog<InspectorEntry>(),
      running: info.state === 'listening',
    }),
    update: (s, info) => (s.info = info),
    identity: listenAddress,
  });

  const form = persisted('httpServer.form', MockServerForm, {
    host: '127.0.0.1',
    port: '0',
    tls: false,
    http2: true,
    echo: false,
    cors: false,
    demoApi: true,
    helloWorld: true,
    staticDir: '',
    staticListing: false,
  });
  const routes = persisted('httpServer.routes', RoutesDraft, { session: null, rows: [] });
  const filter = persisted('httpServer.filter', z.string(), '');

  /** Points the routes editor at a server's routes as the engine has them (once per selected server). */
  function followRoutes(): void {
    const s = servers.current.value;
    if (s && routes.value.session !== s.session) routes.value = { session: s.session, rows: toRows(s.info) };
  }

  const refresh = () => servers.sync();

  /** Starts a server from the form and the routes in the editor. */
  async function start(): Promise<MockServerSession> {
    const f = form.value;
    const info = await unwrap(
      api.httpServer.start({
        host: f.host.trim(),
        port: numberField(f.port),
        tls: f.tls,
        http2: f.tls && f.http2,
        routes: toRoutes(routes.value.rows),
        staticDir: f.staticDir.trim() || undefined,
        staticListing: f.staticListing,
        echo: f.echo,
        cors: f.cors,
        demoApi: f.demoApi,
        helloWorld: f.helloWorld,
      }),
    );
    const s = servers.adopt(info, { select: true });
    routes.value = { session: s.session, rows: routes.value.rows };
    return s;
  }

  /** Changes only the fields given; the others stay as the engine has them. */
  async function update(
    session: string,
    patch: Omit<Parameters<typeof api.httpServer.update>[0], 'session'>,
  ): Promise<void> {
    const info = await unwrap(api.httpServer.update({ session, ...patch }));
    const s = servers.find(session);
    if (s) s.info = info;
  }
  async function applyRoutes(session: string): Promise<number> {
    const list = toRoutes(routes.value.rows);
    await update(session, { routes: list });
    return list.length;
  }

  async function stop(session: string): Promise<void> {
    await unwrap(api.httpServer.stop({ session }));
    const s = servers.find(session);
    if (s) s.running = false;
  }
  function remove(session: string): void {
    servers.drop((s) => s.session === session && !s.running);
  }

  return {
    servers: servers.sessions,
    current: servers.current,
    select: servers.select,
    form,
    routes,
    filter,
    followRoutes,
    refresh,
    start,
    update,
    applyRoutes,
    stop,
    remove,
  };
});
