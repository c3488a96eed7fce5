import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { makeRouter } from './router';
import { apiKey, electronLinkState, eventRouterKey, EventRouter, linkStateKey } from './api';
import { connectBrowserShell } from './api/browser-shell';
import './styles/base.css';

// Electron's preload provides window.wirelab; in the browser shell we build the same API over the socket.
const link = window.wirelab ? undefined : connectBrowserShell(window.location);
const api = window.wirelab ?? link!.api;

const app = createApp(App);
app.provide(apiKey, api);
app.provide(eventRouterKey, new EventRouter(api));
// The link banner: the socket's state in the browser shell, the engine host's state in Electron.
const linkState = link?.state ?? electronLinkState(api);
if (linkState) app.provide(linkStateKey, linkState);
app.use(createPinia());
app.use(makeRouter());
app.mount('#app');
