import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import pkg from './package.json' with { type: 'json' };

// Three bundles: main (Electron glue + the Node-only CLI/browser shell, which share the engines),
// preload (one CommonJS file so it loads in a sandboxed renderer) and the renderer (Vue).
export default defineConfig({
  main: {
    define: { __WIRELAB_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          cli: resolve(import.meta.dirname, 'src/cli/index.ts'),
          // The engine host process both shells fork (src/main/host/index.ts).
          host: resolve(import.meta.dirname, 'src/main/host/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // The sandboxed preload can require only 'electron': bundle zod and the contract into it.
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    base: './',
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
    plugins: [vue()],
  },
});
