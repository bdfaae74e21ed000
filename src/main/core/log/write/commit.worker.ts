/**
 * The socket log's commit thread (entry point of a worker; started by commitThread.ts).
 * It owns a second connection to the database file and runs each batch the
 * main thread sends: one group commit (groupCommit.ts), then an fdatasync of
 * the WAL (walSync.ts), and only then answers. The main thread keeps reading
 * sockets and routing while SQLite inserts, MACs and syncs here.
 */
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { parentPort, workerData } from 'node:worker_threads';
import { createWalSync } from '../../db/walSync';
import type { DatabaseSchema } from '../../db/schema';
import { FILE_DAMAGED, createDamageCheck } from '../integrity/fileDamage';
import { createGroupCommit, fromWire } from './groupCommit';
import type { CommitWorkerData, ThreadReply, ThreadRequest } from './commitThread';

/** The error's code (SQLITE_CORRUPT, WAL_REPLACED, ENOSPC...): the main thread's file guard decides by it. */
const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const COMMITS_PER_CHECKPOINT = 64;
const OPS_PER_CHECKPOINT = 3000;

function runCommitWorker({ file, key }: CommitWorkerData) {
  const port = parentPort!;
  const reply = (message: ThreadReply) => port.postMessage(message);

  try {
    const sqlite = new Sqlite(file, { fileMustExist: true });
    // Like the main connection (database.ts), except that this one only runs group
    // commits, whose durability comes from the WAL sync below, and that it checkpoints
    // itself. The main connection cannot (a checkpoint inside a commit stalled the event
    // loop), and the background checkpointer never catches up under load: each of its
    // PASSIVE runs leaves the frames committed meanwhile, so the WAL never restarts, grows
    // by hundreds of MB, and every sync of it extends the file. Here a checkpoint runs
    // between two commits of the only writer and copies all of it.
    //
    // Explicitly rather than SQLite's automatic one, so that the file is looked at first
    // (fileDamage.ts): a checkpoint never writes into a truncated or overwritten file. Looking
    // before every commit instead (a stat and a read each) cost a few us per event here.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('wal_autocheckpoint = 0');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
    const group = createGroupCommit(db, sqlite, Buffer.from(key));
    const damage = createDamageCheck(file, { shrinkMeansDamage: Number(sqlite.pragma('auto_vacuum', { simple: true })) === 0 });
    let commitsSinceCheckpoint = 0;
    let opsSinceCheckpoint = 0;
    const walSync = createWalSync(`${file}-wal`, {
      logger: { error: (context, message) => reply({ type: 'log', message, error: String((context.err as Error)?.message ?? context.err) }) }
    });

    port.on('message', (request: ThreadRequest) => {
      if (request.type === 'stop') {
        void walSync.close().then(() => {
          sqlite.close();
          damage.close();
          port.close();
        });
        return;
      }
      // About SQLite's automatic pace (1000 WAL pages): a few thousand rows, or a few dozen commits.
      const checkpointDue = ++commitsSinceCheckpoint >= COMMITS_PER_CHECKPOINT || (opsSinceCheckpoint += request.ops.length) >= OPS_PER_CHECKPOINT;
      if (checkpointDue) {
        const found = damage.check();
        if (found) {
          reply({ type: 'done', seq: request.seq, failure: 'commit', error: `${found}; found before a commit and its WAL checkpoint, which were refused`, code: FILE_DAMAGED });
          return;
        }
      }
      const started = performance.now();
      let result;
      try {
        result = group.commit(request.ops.map(fromWire));
      } catch (err) {
        reply({ type: 'done', seq: request.seq, failure: 'commit', error: String((err as Error)?.message ?? err), code: codeOf(err) });
        return;
      }
      if (checkpointDue) {
        commitsSinceCheckpoint = opsSinceCheckpoint = 0;
        try {
          sqlite.pragma('wal_checkpoint(PASSIVE)');
          damage.grew();
        } catch (err) {
          // The batch is committed all the same; the checkpoint thread and the file guard look again.
          reply({ type: 'log', message: 'WAL checkpoint on the commit thread failed', error: String((err as Error)?.message ?? err) });
        }
      }
      const commitMs = performance.now() - started;
      walSync.afterCommit((err) => {
        if (err) reply({ type: 'done', seq: request.seq, failure: 'sync', error: err.message, code: codeOf(err) });
        else reply({ type: 'done', seq: request.seq, result, commitMs });
      });
    });
    reply({ type: 'ready' });
  } catch (err) {
    reply({ type: 'failed', error: String((err as Error)?.message ?? err) });
  }
}

runCommitWorker(workerData as CommitWorkerData);
