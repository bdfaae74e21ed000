import fs from 'node:fs';
import path from 'node:path';
import { openReadOnly } from '../../core/log/read/readConnection';
import { openStandaloneLog, type LogCliContext } from '../../core/log/standalone';
import { buildIncidentReport } from '../../core/replay/incidentReport';
import { createReplayEngine, type ReplayEngine } from '../../core/replay/replayEngine';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

/** Runs `use` with a replay engine on the data directory's log, and records the read in the access log. */
async function withEngine<T>(dataDir: string | undefined, actor: string | undefined, use: (engine: ReplayEngine, cli: LogCliContext) => { result: T; query: string; params: Record<string, unknown>; rows: number }): Promise<T> {
  const cli = await openStandaloneLog(path.resolve(dataDir ?? defaultDataDir()), actor);
  const reader = openReadOnly(cli.database.file);
  try {
    const { result, query, params, rows } = use(createReplayEngine(reader.sqlite, cli.keys.mac), cli);
    await cli.writer.recordAccess({ actor: cli.actor, actorRole: null, channel: 'cli', query, params, rowCount: rows });
    return result;
  } finally {
    reader.sqlite.close();
    await cli.close();
  }
}

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'Print the control room as it was at a moment (rebuilt from the socket log) as JSON.',
  usage: 'switchboard replay --at ISO [--data-dir DIR] [--actor NAME]',
  async run(argv) {
    const v = parseFlags(argv, { at: { type: 'string' }, 'data-dir': { type: 'string' }, actor: { type: 'string' } });
    const at = v.at ? Date.parse(v.at) : Number.NaN;
    if (!Number.isFinite(at)) throw new UsageError('--at must be a date and time, e.g. 2026-12-06T14:30:00Z.');
    const picture = await withEngine(v['data-dir'], v.actor, (engine) => {
      const { picture } = engine.at(at);
      return { result: picture, query: 'replay.at', params: { at: picture.at }, rows: picture.rows_applied };
    });
    process.stdout.write(`${JSON.stringify(picture, null, 2)}\n`);
    if (!picture.chain.ok) {
      process.stderr.write(`CHAIN BROKEN: ${picture.chain.first_bad?.reason ?? 'the replayed range does not verify'}; this picture rests on rows that were tampered with.\n`);
      return 1;
    }
    return 0;
  }
};

export const incidentReportCommand: CliCommand = {
  name: 'incident-report',
  summary: "Write an incident's report (JSON) and its signed evidence (check it with switchboard verify --export).",
  usage: 'switchboard incident-report ID --out FILE [--data-dir DIR] [--actor NAME]',
  async run(argv) {
    const [id, ...rest] = argv;
    if (!id || id.startsWith('-')) throw new UsageError('Name the incident first, e.g. switchboard incident-report INC-000123 --out report.json');
    const v = parseFlags(rest, { out: { type: 'string' }, 'data-dir': { type: 'string' }, actor: { type: 'string' } });
    if (!v.out) throw new UsageError('--out FILE is required.');
    const out = path.resolve(v.out);
    const { report, evidence } = await withEngine(v['data-dir'], v.actor, (engine, cli) => {
      const built = buildIncidentReport(engine, cli.keys, id, `${cli.actor} (cli)`);
      return { result: built, query: 'incident.report', params: { incident_id: id, out }, rows: built.report.evidence.rows };
    });
    const evidenceFile = `${out.replace(/\.json$/, '')}.evidence.ndjson`;
    fs.writeFileSync(evidenceFile, evidence);
    fs.writeFileSync(`${evidenceFile}.manifest.json`, `${JSON.stringify(report.evidence.manifest, null, 2)}\n`);
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`Report: ${out}\nEvidence: ${evidenceFile} (${report.evidence.rows} rows)\nCheck it: switchboard verify --export ${evidenceFile}\n`);
    if (!report.chain.ok) {
      process.stderr.write(`CHAIN BROKEN: ${report.chain.first_bad?.reason ?? 'the report rests on rows that do not verify'}.\n`);
      return 1;
    }
    return 0;
  }
};
