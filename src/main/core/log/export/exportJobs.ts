import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ExportJob } from '../../../../shared/contract/log';
import type { EventBus } from '../../contract/bus';
import { AppError } from '../../errors';
import type { LogStorage } from '../storage/LogStorage';
import type { ExportFormat } from './exporter';
import type { RowFilter } from '../read/queries';
import type { Reader } from '../read/reads';
import type { LogWriter } from '../write/writer';

export const EXPORT_DIR = 'exports';
const MAX_RUNNING = 2;
const KEEP_JOBS = 50;

interface Job extends ExportJob {
  file: string;
  owner: string;
  done: Promise<ExportJob>;
}

export interface ExportJobs {
  /** Starts an export; `done` resolves when the file and its manifest are written. */
  start(reader: Reader, format: ExportFormat, filter: RowFilter, params: object): { job: ExportJob; done: Promise<ExportJob> };
  get(id: string): ExportJob;
  /** The finished file to download, or an error saying why not. */
  file(id: string, which: 'data' | 'manifest'): { path: string; filename: string; job: ExportJob };
}

/**
 * Console and REST exports: each runs on its own read snapshot into the data
 * directory's exports folder, pushes `log.exportProgress`, and is recorded in
 * the access log with its row count when it finishes.
 */
export function createExportJobs(deps: {
  storage: Pick<LogStorage, 'exportTo'>;
  dataDir: string;
  bus: EventBus;
  writer: Pick<LogWriter, 'recordAccess'>;
  logger: Logger;
}): ExportJobs {
  const jobs = new Map<string, Job>();
  const dir = path.join(deps.dataDir, EXPORT_DIR);
  const publicView = (job: Job): ExportJob => {
    const { file: _file, owner: _owner, done: _done, ...view } = job;
    return { ...view };
  };
  const running = () => [...jobs.values()].filter((j) => j.state === 'running').length;

  const trim = () => {
    const finished = [...jobs.values()].filter((j) => j.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_JOBS))) {
      jobs.delete(old.id);
      fs.rmSync(old.file, { force: true });
      fs.rmSync(`${old.file}.manifest.json`, { force: true });
    }
  };

  return {
    start(reader, format, filter, params) {
      if (running() >= MAX_RUNNING) throw new AppError('RATE_LIMITED', `Already ${MAX_RUNNING} exports running; wait for one to finish.`);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const id = randomUUID();
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const filename = `switchboard-log-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}`;
      const job: Job = {
        id,
        format,
        state: 'running',
        rows: 0,
        total: null,
        bytes: 0,
        filename,
        url: `/api/v1/socket-logs/exports/${id}`,
        manifest_url: `/api/v1/socket-logs/exports/${id}/manifest`,
        error: null,
        started_at: new Date().toISOString(),
        finished_at: null,
        file: path.join(dir, `${id}.${format}`),
        owner: reader.actor,
        done: Promise.resolve(null as never)
      };
      jobs.set(id, job);
      const started = performance.now();
      let lastPush = 0;
      const push = () =>
        deps.bus.publish('log.exportProgress', {
          id,
          done: job.rows,
          total: job.total,
          state: job.state,
          rows_per_second: Math.round(job.rows / Math.max(0.001, (performance.now() - started) / 1000))
        });
      job.done = (async () => {
        try {
          const result = await deps.storage.exportTo({
            format,
            filter,
            outFile: job.file,
            createdBy: `${reader.actor} (${reader.channel})`,
            onProgress(done, total) {
              job.rows = done;
              job.total = total;
              if (performance.now() - lastPush > 250) {
                lastPush = performance.now();
                push();
              }
            }
          });
          job.rows = result.rows;
          job.bytes = result.bytes;
          job.total = result.rows;
          job.state = 'done';
        } catch (err) {
          deps.logger.error({ err, exportId: id }, 'socket log export failed');
          job.state = 'failed';
          job.error = 'The export failed; the error has been logged.';
        }
        job.finished_at = new Date().toISOString();
        push();
        await deps.writer
          .recordAccess({ actor: reader.actor, actorRole: reader.role, channel: reader.channel, query: 'export', params: { ...params, format, export_id: id, state: job.state }, rowCount: job.rows })
          .catch((err: unknown) => deps.logger.error({ err }, 'could not record an export in the access log'));
        trim();
        return publicView(job);
      })();
      return { job: publicView(job), done: job.done };
    },
    get(id) {
      const job = jobs.get(id);
      if (!job) throw new AppError('NOT_FOUND', `No export with id ${id} (exports are kept until ${KEEP_JOBS} newer ones finish or the core restarts).`);
      return publicView(job);
    },
    file(id, which) {
      const job = jobs.get(id);
      if (!job) throw new AppError('NOT_FOUND', `No export with id ${id}.`);
      if (job.state === 'running') throw new AppError('CONFLICT', 'That export is still running; download it when it is done.');
      if (job.state === 'failed') throw new AppError('NOT_FOUND', 'That export failed; there is no file to download.');
      return which === 'data'
        ? { path: job.file, filename: job.filename, job: publicView(job) }
        : { path: `${job.file}.manifest.json`, filename: `${job.filename}.manifest.json`, job: publicView(job) };
    }
  };
}
