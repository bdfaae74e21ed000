import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import { WORKER_ENTRIES, type WorkerName } from './src/main/core/workers/locateWorker';

/** Every worker thread is its own main entry, `out/main/<name>.worker.js` (found by locateWorker). */
const workerInputs = Object.fromEntries(
  (Object.keys(WORKER_ENTRIES) as WorkerName[]).map((name) => [`${name}.worker`, resolve(__dirname, 'src/main/core', WORKER_ENTRIES[name])])
);

/**
 * main: the Electron entry, the `switchboard` CLI (same core, two entries) and
 * the core's worker threads (src/main/core/workers/locateWorker.ts).
 * preload: the one narrow contract object. renderer: the console, also served
 * to browsers by `switchboard serve`.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts'),
          ...workerInputs
        }
      }
    }
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle zod and src/shared into it.
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    }
  }
});
