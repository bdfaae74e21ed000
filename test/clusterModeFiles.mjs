/**
 * The integration test files that run twice: on one SQLite node (project
 * `integration`) and as a one-node cluster on PostgreSQL and Redis (project
 * `integration-cluster`, SWITCHBOARD_TEST_MODE=cluster, test/helpers/testMode.ts).
 * A file about SQLite itself (its files, its commit thread) is not listed.
 */
/** @type {string[]} */
export const CLUSTER_MODE_FILES = [
  'test/integration/rest.test.ts',
  'test/integration/console/adminGuards.test.ts',
  // The socket log through its service (writer, REST and console reads, statistics, exports, thresholds, verify).
  'test/integration/log/rest.test.ts',
  'test/integration/log/hostileText.test.ts',
  'test/integration/log/secrets.test.ts',
  'test/integration/log/thresholds.test.ts',
  // The CLI's export and verify --export (cluster: --postgres-url).
  'test/integration/log/export.test.ts',
  // The hub (its single-node recovery adapter's own tests, recoveryAdapter.test.ts, are single mode).
  'test/integration/hub/flows.test.ts',
  'test/integration/hub/connections.test.ts',
  'test/integration/hub/exactlyOnce.test.ts',
  'test/integration/hub/trustProxy.test.ts',
  'test/integration/hub/metrics.test.ts',
  'test/integration/hub/simulatedDevices.test.ts',
  'test/integration/hub/pythonInterop.test.ts',
  // The CAD bridge (link, inbound events, outbox, epoch hold, outages, TLS).
  'test/integration/bridge/link.test.ts',
  'test/integration/bridge/inbound.test.ts',
  'test/integration/bridge/outbox.test.ts',
  'test/integration/bridge/epochHold.test.ts',
  'test/integration/bridge/flapping.test.ts',
  'test/integration/bridge/tls.test.ts',
  // Centre settings (run cards, thresholds), kept in PostgreSQL in a cluster.
  'test/integration/bridge/runCardSetting.test.ts'
];
