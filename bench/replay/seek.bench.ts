/**
 * Replay seeks: random moments over a large log, each rebuilt from the nearest
 * keyframe and the rows after it, its range chain-verified, and serialised as
 * the console receives it. Baseline (same run): reading and parsing the
 * keyframe alone, the least any seek must do. Also a 60x play step: one real
 * second of play asks for 60 s of changes. Wall time and CPU time are both
 * reported, with the load average, since the machine may be shared.
 *   npx tsx bench/replay/seek.bench.ts
 *   (env: REPLAY_ROWS=10000000, REPLAY_DAYS=30, REPLAY_UNITS=2000, REPLAY_KEYFRAME_S=60, REPLAY_SEEKS=300,
 *    REPLAY_FIXTURE=<data dir of an earlier build> to reuse it, REPLAY_BUILD_ONLY=1 to only build one,
 *    REPLAY_VERIFY=0 to skip the full-file verify)
 */
import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { openReadOnly } from '../../src/main/core/log/read/readConnection';
import { deriveLogKeys } from '../../src/main/core/log/store/chain';
import os from 'node:os';
import { verifyLogFile } from '../../src/main/core/log/integrity/verify';
import { createReplayEngine } from '../../src/main/core/replay/replayEngine';
import { joinKeyframe, KEYFRAME_EVENT, type KeyframePart } from '../../src/main/core/replay/keyframe';
import { latencySummary, report, round } from '../lib/report';
import { buildReplayFixture } from './fixture';

const ROWS = Number(process.env.REPLAY_ROWS ?? 10_000_000);
const DAYS = Number(process.env.REPLAY_DAYS ?? 30);
const UNITS = Number(process.env.REPLAY_UNITS ?? 2_000);
const KEYFRAME_S = Number(process.env.REPLAY_KEYFRAME_S ?? 60);
const SEEKS = Number(process.env.REPLAY_SEEKS ?? 300);
const VERIFY = process.env.REPLAY_VERIFY !== '0';

function reuseFixture(dataDir: string) {
  const file = path.join(dataDir, 'switchboard.db');
  const db = new Sqlite(file, { readonly: true });
  const span = db.prepare('SELECT min(created_at) AS start, max(created_at) AS end, count(*) AS rows FROM socket_logs').get() as { start: number; end: number; rows: number };
  const kf = db.prepare(`SELECT count(DISTINCT created_at) AS n, sum(length(event_data)) AS bytes FROM socket_logs INDEXED BY idx_socket_logs_type_time WHERE event_type = '${KEYFRAME_EVENT}'`).get() as { n: number; bytes: number };
  db.close();
  return { file, dataDir, ...span, keyframes: kf.n, keyframeBytes: kf.bytes, buildSeconds: 0 };
}

async function main() {
  const keys = deriveLogKeys('bench-replay-secret-0123456789abcdef');
  // REPLAY_FIXTURE=<data dir> reuses a fixture built by an earlier run (building a large one takes minutes).
  const fx = process.env.REPLAY_FIXTURE ? reuseFixture(process.env.REPLAY_FIXTURE) : await buildReplayFixture({ rows: ROWS, days: DAYS, units: UNITS, keyframeSeconds: KEYFRAME_S, keys });
  if (process.env.REPLAY_BUILD_ONLY === '1') return console.log(`fixture built: REPLAY_FIXTURE=${fx.dataDir}`);
  console.log(`\nfixture: ${fx.rows} rows over ${round((fx.end - fx.start) / 86_400_000, 2)} days, ${fx.keyframes} keyframes (${round(fx.keyframeBytes / fx.keyframes / 1024, 1)} KB each), built in ${round(fx.buildSeconds, 1)} s, in ${fx.dataDir}`);
  const loadBefore = os.loadavg();
  let verified: { ok: boolean; seconds: number } | null = null;
  if (VERIFY) {
    const t = performance.now();
    const result = await verifyLogFile(fx.file, keys.mac);
    verified = { ok: result.ok, seconds: (performance.now() - t) / 1000 };
    console.log(`whole-file verify: ${result.ok ? 'ok' : `FAILED ${JSON.stringify(result.problems).slice(0, 500)}`} in ${round(verified.seconds, 1)} s`);
  }
  const { sqlite } = openReadOnly(fx.file);
  const engine = createReplayEngine(sqlite, keys.mac);
  const keyframeHead = sqlite.prepare(`SELECT id, event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' AND created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1`);
  const keyframeRest = sqlite.prepare(`SELECT event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' AND id > ? AND id < ? + 10 ORDER BY id`);
  // The least a seek must do: read its keyframe's rows and inflate and parse the picture.
  const keyframeAlone = (at: number) => {
    const head = keyframeHead.get(at) as { id: number; event_data: string };
    const first = JSON.parse(head.event_data) as KeyframePart;
    const rest = first.parts > 1 ? (keyframeRest.all(head.id - first.part, head.id - first.part) as Array<{ event_data: string }>) : [];
    return joinKeyframe([first, ...rest.map((r) => JSON.parse(r.event_data) as KeyframePart)].filter((p) => p.kf === first.kf));
  };

  const moments = Array.from({ length: SEEKS }, () => fx.start + KEYFRAME_S * 1000 + Math.random() * (fx.end - fx.start - KEYFRAME_S * 1000));
  const seekMs: number[] = [];
  const seekCpuMs: number[] = [];
  const baseMs: number[] = [];
  let applied = 0;
  let bytes = 0;
  let broken = 0;
  for (const at of moments) {
    let t = performance.now();
    if (!keyframeAlone(at)) throw new Error('a keyframe did not join');
    baseMs.push(performance.now() - t);
    t = performance.now();
    const cpu = process.cpuUsage();
    const { picture } = engine.at(at);
    bytes += JSON.stringify(picture).length;
    seekMs.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    seekCpuMs.push((used.user + used.system) / 1000);
    applied += picture.rows_applied;
    if (!picture.chain.ok) broken += 1;
  }
  const seek = latencySummary(seekMs);
  const seekCpu = latencySummary(seekCpuMs);
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
    {
      rows: fx.rows,
      days: round((fx.end - fx.start) / 86_400_000, 2),
      units: UNITS,
      keyframe_seconds: KEYFRAME_S,
      seeks: SEEKS,
      keyframes: fx.keyframes,
      keyframe_kb: round(fx.keyframeBytes / fx.keyframes / 1024, 1),
      fixture_build_s: round(fx.buildSeconds, 1),
      fixture_file_gb: round(fs.statSync(fx.file).size / 1024 ** 3, 2),
      whole_file_verify: verified ? { ok: verified.ok, seconds: round(verified.seconds, 1) } : 'skipped',
      load_average_before: loadBefore.map((l) => round(l)),
      load_average_after: os.loadavg().map((l) => round(l)),
      command: 'npx tsx bench/replay/seek.bench.ts'
    },
    [
      { metric: `seek p99 ms (${SEEKS} random seeks, ${UNITS} units)`, value: seek.p99, baseline: base.p99, target: '< 500', pass: seek.p99 < 500 },
      { metric: 'seek p50 ms', value: seek.p50, baseline: base.p50 },
      { metric: 'seek CPU ms p99 (this thread; wall time above includes waiting on a busy machine)', value: seekCpu.p99 },
      { metric: 'seek CPU ms p50', value: seekCpu.p50 },
      { metric: 'seek max ms', value: seek.max, baseline: base.max },
      { metric: 'rows applied per seek (mean)', value: round(applied / SEEKS, 1) },
      { metric: 'picture JSON KB per seek (mean)', value: round(bytes / SEEKS / 1024, 1) },
      { metric: 'seeks whose range did not verify', value: broken, target: '0', pass: broken === 0 },
      { metric: '60x play: next 60 s of changes, p99 ms (one per real second: must stay < 1000)', value: play.p99, target: '< 1000', pass: play.p99 < 1000 },
      { metric: '60x play: changes per 60 s (mean)', value: round(changes / 100, 1) },
      ...(verified ? [{ metric: 'whole fixture file verifies (switchboard verify)', value: String(verified.ok), target: 'true', pass: verified.ok }] : [])
    ]
  );
  sqlite.close();
}

void main();
