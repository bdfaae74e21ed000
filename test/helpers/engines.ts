/**
 * Throwaway PostgreSQL and Redis for cluster-mode tests: the same engine starters
 * `switchboard cluster-demo` uses (src/main/clusterDemo/engines.ts).
 */
export { freePort, postgresBinDir, startPostgres, startRedis, stopChild } from '../../src/main/clusterDemo/engines';
export type { LocalPostgres as TestPostgres, LocalRedis as TestRedis } from '../../src/main/clusterDemo/engines';
