/**
 * Replay seeks: random moments over a large log, each rebuilt from the nearest
 * keyframe and the rows after it, its range chain-verified, and serialised as
 * the console receives it. Baseline (same run): reading and parsing the
 * keyframe alone, the least any seek must do. Also a 60x play step: one real
 * second of play asks for 60 s of changes.
 *   npx tsx bench/replay/seek.bench.ts   (env: REPLAY_ROWS=2000000, REPLAY_DAYS=6, REPLAY_UNITS=2000, REPLAY_KEYFRAME_S=60, REPLAY_SEEKS=200)
 */
import Sqlite from 'better-sqlite3';
import path from 'node:path';
import { openReadOnly } from '../../src/main/core/log/read/readConnection';
import { deriveLogKeys } from '../../src/main/core/log/store/chain';
import { createReplayEngine } from '../../src/main/core/replay/replayEngine';
import { KEYFRAME_EVENT } from '../../src/main/core/replay/keyframe';
import { latencySummary, report, round } from '../lib/report';
import { buildReplayFixture } from './fixture';

const ROWS = Number(process.env.REPLAY_ROWS ?? 2_000_000);
const DAYS = Number(process.env.REPLAY_DAYS ?? 6);
const UNITS = Number(process.env.REPLAY_UNITS ?? 2_000);
const KEYFRAME_S = Number(process.env.REPLAY_KEYFRAME_S ?? 60);
const SEEKS = Number(process.env.REPLAY_SEEKS ?? 200);

function reuseFixture(dataDir: string) {
  const file = path.join(dataDir, 'switchboard.db');
  const db = new Sqlite(file, { readonly: true });
  const span = db.prepare('SELECT min(created_at) AS start, max(created_at) AS end, count(*) AS rows FROM socket_logs').get() as { start: number; end: number; rows: number };
  const kf = db.prepare(`SELECT count(DISTINCT created_at) AS n, sum(length(event_data)) AS bytes FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}'`).get() as { n: number; bytes: number };
  db.close();
  return { file, dataDir, ...span, keyframes: kf.n, keyframeBytes: kf.bytes, buildSeconds: 0 };
}

async function main() {
  const keys = deriveLogKeys('bench-replay-secret-0123456789abcdef');
  // REPLAY_FIXTURE=<data dir> reuses a fixture built by an earlier run (building a large one takes minutes).
  const fx = process.env.REPLAY_FIXTURE ? reuseFixture(process.env.REPLAY_FIXTURE) : await buildReplayFixture({ rows: ROWS, days: DAYS, units: UNITS, keyframeSeconds: KEYFRAME_S, keys });
  console.log(`\nfixture: ${fx.rows} rows over ${round((fx.end - fx.start) / 86_400_000, 2)} days, ${fx.keyframes} keyframes (${round(fx.keyframeBytes / fx.keyframes / 1024, 1)} KB each), built in ${round(fx.buildSeconds, 1)} s`);
  const { sqlite } = openReadOnly(fx.file);
  const engine = createReplayEngine(sqlite, keys.mac);
  const keyframeOnly = sqlite.prepare(`SELECT event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 20`);

  const moments = Array.from({ length: SEEKS }, () => fx.start + KEYFRAME_S * 1000 + Math.random() * (fx.end - fx.start - KEYFRAME_S * 1000));
  const seekMs: number[] = [];
  const baseMs: number[] = [];
  let applied = 0;
  let bytes = 0;
  let broken = 0;
  for (const at of moments) {
    let t = performance.now();
    for (const r of keyframeOnly.all(at) as Array<{ event_data: string }>) JSON.parse(r.event_data);
    baseMs.push(performance.now() - t);
    t = performance.now();
    const { picture } = engine.at(at);
    bytes += JSON.stringify(picture).length;
    seekMs.push(performance.now() - t);
    applied += picture.rows_applied;
    if (!picture.chain.ok) broken += 1;
  }
  const seek = latencySummary(seekMs);
  const base = latencySummary(baseMs);

  // Playing at 60x: each real second fetches the next 60 s of changes, one range after the other
  // (the first range of a session starts with a seek; the next ones go on from where it stopped).
  const playMs: number[] = [];
  let changes = 0;
  for (const start of moments.slice(0, 10)) {
    for (let k = 0; k < 10; k += 1) {
      const t = performance.now();
      const result = engine.changes(start + k * 60_000, start + (k + 1) * 60_000);
      JSON.stringify(result);
      if (k > 0) playMs.push(performance.now() - t);
      changes += result.changes.length;
    }
  }
  const play = latencySummary(playMs);

  report(
    'replay-seek',
    { rows: fx.rows, days: round((fx.end - fx.start) / 86_400_000, 2), units: UNITS, keyframe_seconds: KEYFRAME_S, seeks: SEEKS, keyframes: fx.keyframes, keyframe_kb: round(fx.keyframeBytes / fx.keyframes / 1024, 1), fixture_build_s: round(fx.buildSeconds, 1) },
    [
      { metric: `seek p99 ms (${SEEKS} random seeks, ${UNITS} units)`, value: seek.p99, baseline: base.p99, target: '< 500', pass: seek.p99 < 500 },
      { metric: 'seek p50 ms', value: seek.p50, baseline: base.p50 },
      { metric: 'seek max ms', value: seek.max, baseline: base.max },
      { metric: 'rows applied per seek (mean)', value: round(applied / SEEKS, 1) },
      { metric: 'picture JSON KB per seek (mean)', value: round(bytes / SEEKS / 1024, 1) },
      { metric: 'seeks whose range did not verify', value: broken, target: '0', pass: broken === 0 },
      { metric: '60x play: next 60 s of changes, p99 ms (one per real second: must stay < 1000)', value: play.p99, target: '< 1000', pass: play.p99 < 1000 },
      { metric: '60x play: changes per 60 s (mean)', value: round(changes / 100, 1) }
    ]
  );
  sqlite.close();
}

void main();
