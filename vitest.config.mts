import { defineConfig } from 'vitest/config';
import { CLUSTER_MODE_FILES } from './test/clusterModeFiles.mjs';

/**
 * Test timeouts are safety nets for a hung test, not expectations: tests wait for
 * states (test/helpers/waitFor.ts), and on a machine whose cores are busy those
 * states arrive late. Each net is a few times the longest state wait inside it.
 *
 * Five projects: unit (fast, no sockets), integration (real sockets on loopback,
 * SQLite in temp folders), integration-cluster (the files in
 * test/clusterModeFiles.mjs again, each core a one-node cluster on PostgreSQL and
 * Redis), e2e (Chromium against `switchboard serve`) and reliability (crash,
 * fuzz, auth, slow consumers, outages).
 */
/**
 * Files run two at a time: vitest's default here is one worker fewer than the cores,
 * which on a 2-core machine ran every unit and integration file one after another.
 */
const WORKERS = 2;

/** expect.poll waits for a state too; its own default (1 s) is a duration in disguise. */
const expect = { poll: { timeout: 60_000, interval: 50 } };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          maxWorkers: WORKERS,
          expect,
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/electron/**'],
          // Files share one module cache per worker: importing the core once per worker
          // instead of once per file halves the project's CPU time. Tests here keep no
          // state in modules; the Electron shell tests, which mock modules, run isolated.
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        test: {
          name: 'unit-isolated',
          environment: 'node',
          maxWorkers: WORKERS,
          expect,
          include: ['test/unit/electron/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        test: {
          name: 'integration',
          environment: 'node',
          maxWorkers: WORKERS,
          expect,
          isolate: false, // as in unit: one core import per worker, not per file
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000
        }
      },
      {
        test: {
          name: 'integration-cluster',
          environment: 'node',
          maxWorkers: WORKERS,
          expect,
          isolate: false, // as in unit: one core import per worker, not per file
          include: CLUSTER_MODE_FILES,
          env: { SWITCHBOARD_TEST_MODE: 'cluster' },
          setupFiles: ['test/helpers/clusterModeSetup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000
        }
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          expect,
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false
        }
      },
      {
        test: {
          name: 'reliability',
          environment: 'node',
          expect,
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
          // One file at a time: two side by side (beside e2e) on a busy 2-core machine starved
          // the 3-node failover test past its state deadlines in one of three runs.
          fileParallelism: false
        }
      }
    ]
  }
});
