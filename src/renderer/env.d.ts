/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
import type { WirelabApi } from '../shared/contract';
declare global {
  interface Window {
    /** Provided by the Electron preload; absent in the browser shell. */
    wirelab?: WirelabApi;
  }
}
