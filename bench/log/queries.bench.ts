/**
 * Statistics and filtered pages over a large log, side by side with the naive
 * way (GROUP BY over the rows, what the seed does).
 *   npx tsx bench/log/queries.bench.ts          (LOG_BENCH_ROWS=1000000; the figure is 10000000)
 */
import { latencySummary, report, round } from '../lib/report';
import { applyFilter, listRows } from '../../src/main/core/log/read/queries';
import { openReadOnly } from '../../src/main/core/log/read/readConnection';
import { attachUserIndex, rewindUserIndex, USER_INDEX_SCHEMA } from '../../src/main/core/log/userIndex/userIndex';
import { aggregate, summarize, warmStatistics } from '../../src/main/core/log/read/statistics';
import { buildFixture, DAY } from './fixture';

const N = Number(process.env.LOG_BENCH_ROWS ?? 1_000_000);
const ITER = Number(process.env.LOG_BENCH_ITER ?? 200);
const RECENT_ROWS = 10_000;

const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

void (async () => {
  const built = performance.now();
  const { database, end, userIndexSeconds } = await buildFixture(N, 30);
  const buildSeconds = (performance.now() - built) / 1000;
  const { db } = database;
  const range = { from: end - 30 * DAY + 12_345, to: end };

  // Statistics from the counters (what the endpoint does), a fresh unaligned range each time.
  // The log service warms the counters at start (warmStatistics); time that warm-up
  // (the cold cost, paid at start-up) and then the first query a supervisor makes.
  const warmupMs = await time(() => warmStatistics(db, end));
  const coldRange = { from: range.from - 3_000, to: range.to - 1_000 };
  const coldMs = await time(async () => summarize(await aggregate(db, coldRange), coldRange));
  for (let i = 0; i < 5; i += 1) await aggregate(db, { from: range.from - 1_000 - i, to: range.to - i });
  const statTimes: number[] = [];
  for (let i = 0; i < ITER; i += 1) {
    const r = { from: range.from - i * 61_000, to: range.to - i * 7_000 };
    statTimes.push(await time(async () => summarize(await aggregate(db, r), r)));
  }
  const stats = summarize(await aggregate(db, range), range);
  // The naive way: three GROUP BYs over the rows of the range (a few runs: it is slow).
  const naiveTimes: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    naiveTimes.push(
      await time(async () => {
        for (const col of ['event_type', 'status', 'user_role'] as const) {
          await applyFilter(db.selectFrom('socket_logs'), { from: range.from, to: range.to })
            .select((eb) => [col, eb.fn.countAll().as('n')])
            .groupBy(col)
            .execute();
        }
      })
    );
  }

  // Filtered pages of 100, newest first, as the endpoints ask for them.
  const pages: Array<[string, Parameters<typeof listRows>[1]]> = [
    ['ambulance-requests?hospital_id&status', { eventTypes: ['ambulance_request'], hospitalId: 'H5', status: 'success' }],
    ['by-event-type/hospital_response', { eventTypes: ['hospital_response'] }],
    ['my-logs (one user)', { userId: 'user-77' }],
    ['by-time-range 1 day, 2 types, role', { from: end - 10 * DAY, to: end - 9 * DAY, eventTypes: ['connect', 'disconnect'], userRoles: ['patient'] }]
  ];
  // Pages run where the service runs them: a read-only connection with the user index attached.
  const reads = openReadOnly(database.file);
  const pageRows: Array<{ metric: string; value: number; target: string; pass: boolean }> = [];
  const measurePages = async (name: string, filter: Parameters<typeof listRows>[1]) => {
    const times: number[] = [];
    for (let i = 0; i < ITER; i += 1) times.push(await time(() => listRows(reads.db, filter, { limit: 100, offset: (i % 5) * 100 })));
    const s = latencySummary(times);
    pageRows.push({ metric: `page of 100: ${name} p99 ms (p50 ${s.p50})`, value: s.p99, target: '< 10 ms', pass: s.p99 < 10 });
  };
  for (const [name, filter] of pages) await measurePages(name, filter);
  // The worst case between two indexer passes: a second of rows at 10k events/s not indexed yet.
  attachUserIndex(database.sqlite, database.file);
  rewindUserIndex(database.sqlite, N - RECENT_ROWS);
  database.sqlite.exec(`DETACH DATABASE ${USER_INDEX_SCHEMA}`);
  await measurePages(`my-logs (one user), ${RECENT_ROWS} rows awaiting the indexer`, { userId: 'user-77' });
  await reads.db.destroy();
  await database.close();

  const st = latencySummary(statTimes);
  const naive = latencySummary(naiveTimes);
  report('log-queries', { rows: N, days: 30, iterations: ITER, approach: 'pre-aggregated minute+hour counters, rows only for sub-minute edges', fixture_build_s: round(buildSeconds, 1), user_index_build_s: round(userIndexSeconds, 1) }, [
    { metric: `statistics, 30-day range over ${N} rows, p99 ms (p50 ${st.p50})`, value: st.p99, baseline: naive.p50, ratio: st.p99 / naive.p50, target: '< 50 ms', pass: st.p99 < 50 },
    { metric: 'statistics warm-up the log service runs at start (cold counters), ms', value: round(warmupMs) },
    { metric: 'statistics, first query after start (after the warm-up), ms', value: round(coldMs), target: '< 50 ms', pass: coldMs < 50 },
    { metric: 'naive statistics (GROUP BY over rows) p50 ms', value: naive.p50 },
    { metric: 'statistics total_events (must equal rows in range)', value: stats.total_events },
    ...pageRows
  ]);
})();
