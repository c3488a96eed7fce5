import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { tools } from './tools';

// Hash history: the same URLs work under the Electron custom protocol and the browser shell (whose
// query string carries the access token).
export function makeRouter() {
  const routes: RouteRecordRaw[] = [
    { path: '/', name: 'home', component: () => import('./pages/OsiMapPage.vue') },
    ...tools.map((t) => ({ path: t.path, name: t.id, component: t.component, meta: { toolId: t.id } })),
    { path: '/:rest(.*)*', redirect: '/' },
  ];
  return createRouter({ history: createWebHashHistory(), routes });
}
