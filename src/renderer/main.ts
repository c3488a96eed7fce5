import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { makeRouter } from './router';
import { apiKey, eventRouterKey, EventRouter, linkStateKey } from './api';
import { connectBrowserShell } from './api/browser-shell';
import './styles/base.css';

// Electron's preload provides window.wirelab; in the browser shell we build the same API over the socket.
const link = window.wirelab ? undefined : connectBrowserShell(window.location);
const api = window.wirelab ?? link!.api;

const app = createApp(App);
app.provide(apiKey, api);
app.provide(eventRouterKey, new EventRouter(api));
if (link) app.provide(linkStateKey, link.state);
app.use(createPinia());
app.use(makeRouter());
app.mount('#app');
