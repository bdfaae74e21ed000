/**
 * Ingest: the real group-commit writer vs the storage limit (a bare prepared
 * insert loop in one transaction, same schema, same rows) vs the seed's design
 * (one autocommit insert per event; with SQLite's default rollback journal as the
 * seed deploys it, and, stricter, with this project's WAL settings), in one run.
 * Also bytes on disk per row.
 *   npx tsx bench/log/ingest.bench.ts            (LOG_BENCH_INGEST=100000, LOG_BENCH_AUTOCOMMIT=3000)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pino from 'pino';
import { median, report, round } from '../lib/report';
import { openDatabase } from '../../src/main/core/db/database';
import { deriveLogKeys } from '../../src/main/core/log/store/chain';
import { prepareNamed, ROW_INSERT_COLUMNS } from '../../src/main/core/log/store/statements';
import { createGroupCommitWriter } from '../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../src/main/core/logger';
import { benchRow, tempDataDir } from './fixture';

const N = Number(process.env.LOG_BENCH_INGEST ?? 100_000);
const N_AUTO = Number(process.env.LOG_BENCH_AUTOCOMMIT ?? 3_000);
/** Events arriving per event-loop turn: at saturation the hub reads a full batch while a commit runs. */
const PER_TURN = Number(process.env.LOG_BENCH_PER_TURN ?? 5_000);
const LIGHT_TURN = 1_000;
const REPS = Number(process.env.LOG_BENCH_REPS ?? 3);

/** The same event the writer gets, as the hub would pass it. */
const event = (i: number) => {
  const r = benchRow(i, Date.now());
  return {
    eventType: r.event_type,
    socketId: r.socket_id,
    userId: r.user_id,
    userRole: r.user_role,
    eventData: JSON.parse(r.event_data) as unknown,
    requestData: r.request_data ? (JSON.parse(r.request_data) as unknown) : undefined,
    patientLatitude: r.patient_latitude,
    patientLongitude: r.patient_longitude,
    hospitalId: r.hospital_id,
    status: r.status as 'success',
    responseTimeMs: r.response_time_ms,
    ipAddress: r.ip_address,
    userAgent: r.user_agent
  };
};

/**
 * `journal`: WAL is this project's setting; DELETE (SQLite's default rollback
 * journal) is what the seed's design gets from a plain connection with one
 * commit per event.
 */
async function bare(n: number, oneTransaction: boolean, journal: 'WAL' | 'DELETE' = 'WAL') {
  const database = await openDatabase(tempDataDir(oneTransaction ? 'bare' : 'auto'));
  if (journal === 'DELETE') database.sqlite.pragma('journal_mode = DELETE');
  const insert = prepareNamed(database.sqlite, (p) => database.db.insertInto('socket_logs').values(Object.fromEntries(ROW_INSERT_COLUMNS.map((c) => [c, p(c)])) as never));
  const mac = randomBytes(16);
  const one = (i: number) => {
    // Same work per event as the writer's input: the payload is serialised here too.
    const e = event(i);
    insert.run({ ...benchRow(i, Date.now()), event_data: JSON.stringify(e.eventData), id: i + 1, version: 0, mac });
  };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  if (oneTransaction) database.sqlite.transaction(() => { for (let i = 0; i < n; i += 1) one(i); })();
  else for (let i = 0; i < n; i += 1) one(i);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await database.close();
  return { rate: n / seconds, cpuRate: n / ((cpu.user + cpu.system) / 1e6) };
}

async function writer(n: number, perTurn = PER_TURN, commitOn: 'inline' | 'thread' = 'inline') {
  const dataDir = tempDataDir('writer');
  const database = await openDatabase(dataDir);
  const w = createGroupCommitWriter({ database, keys: deriveLogKeys('bench-key-bench-key-bench-key-bench'), scrubber: createSecretScrubber(['some-cad-token-value']), logger: pino({ level: 'silent' }), commitOn });
  // The commit thread opens its connection in the background; measure it once it runs.
  for (let waited = 0; commitOn === 'thread' && w.stats().committing !== 'thread' && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const events = Array.from({ length: n }, (_, i) => event(i));
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const turn = () => {
      const until = Math.min(n, sent + perTurn);
      for (; sent < until; sent += 1) {
        w.createSocketLog(events[sent]!).then(() => {
          if (++acked === n) resolve();
        }, reject);
      }
      if (sent < n) setImmediate(turn);
    };
    turn();
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = w.stats();
  await w.close();
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = fs.statSync(database.file).size;
  await database.close();
  return { rate: n / seconds, cpuRate: n / ((cpu.user + cpu.system) / 1e6), batches: stats.batches, bytesPerRow: bytes / n };
}

void (async () => {
  // Warm up the JIT and the page cache on a small run of each.
  await bare(5_000, true);
  await writer(5_000);
  // Interleaved repetitions, median of each: other work on the machine hits both sides alike.
  const bares: Array<Awaited<ReturnType<typeof bare>>> = [];
  const writers: Array<Awaited<ReturnType<typeof writer>>> = [];
  for (let r = 0; r < REPS; r += 1) {
    bares.push(await bare(N, true));
    writers.push(await writer(N));
  }
  const bareRate = median(bares.map((b) => b.rate));
  const bareCpuRate = median(bares.map((b) => b.cpuRate));
  const w = writers.sort((a, b) => a.rate - b.rate)[Math.floor(writers.length / 2)]!;
  const light = await writer(N, LIGHT_TURN);
  const threaded = await writer(N, PER_TURN, 'thread');
  const autoRate = (await bare(N_AUTO, false)).rate;
  const seedRate = (await bare(N_AUTO, false, 'DELETE')).rate;
  report('log-ingest', { rows: N, autocommit_rows: N_AUTO, events_per_turn: PER_TURN, repetitions: REPS, synchronous: 'FULL', indexes: 5 }, [
    { metric: 'writer rows/s (group commit, ack after commit, HMAC chain, counters)', value: round(w.rate, 0), baseline: round(bareRate, 0), ratio: w.rate / bareRate, target: '>= 80% of bare loop', pass: w.rate >= 0.8 * bareRate },
    { metric: 'bare prepared insert loop, one transaction (storage limit) rows/s', value: round(bareRate, 0) },
    { metric: 'writer rows per CPU-second vs bare (robust to other load on the machine)', value: round(median(writers.map((x) => x.cpuRate)), 0), baseline: round(bareCpuRate, 0), ratio: median(writers.map((x) => x.cpuRate)) / bareCpuRate, target: '>= 80%', pass: median(writers.map((x) => x.cpuRate)) >= 0.8 * bareCpuRate },
    { metric: 'writer vs one autocommit insert per event, seed design (SQLite defaults: rollback journal, FULL)', value: round(w.rate, 0), baseline: round(seedRate, 0), ratio: w.rate / seedRate, target: '>= 20x', pass: w.rate >= 20 * seedRate },
    { metric: 'writer vs one autocommit insert per event on this project\'s settings (WAL, FULL; stricter)', value: round(w.rate, 0), baseline: round(autoRate, 0), ratio: w.rate / autoRate },
    { metric: 'group commits for the run', value: w.batches },
    { metric: `writer rows/s with only ${LIGHT_TURN} events per turn (one fsync per ${LIGHT_TURN})`, value: round(light.rate, 0), baseline: round(bareRate, 0), ratio: light.rate / bareRate },
    { metric: 'writer rows/s with commits on the commit thread (the hub\'s default; one run)', value: round(threaded.rate, 0), baseline: round(bareRate, 0), ratio: threaded.rate / bareRate },
    { metric: 'bytes on disk per row (rows + 4 indexes + counters, checkpointed; the per-user index is its own file)', value: round(w.bytesPerRow, 1) }
  ]);
})();
