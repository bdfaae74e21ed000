/**
 * The checkpoint thread (entry point of a worker; started by checkpointer.ts).
 * Its own connection runs a PASSIVE WAL checkpoint every `intervalMs` (PASSIVE
 * never waits for or blocks the writer, it copies what it can) and, rarely, a
 * quick_check that reads every page, so neither runs on the event loop.
 */
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../../workers/threadPriority';
import { createDamageCheck } from '../integrity/fileDamage';
import type { CheckpointReply, CheckpointRequest, CheckpointWorkerData } from './checkpointer';

const messageOf = (err: unknown): string => String((err as Error | null)?.message ?? err);
/** SQLite's error code (SQLITE_CORRUPT...), when the error has one. */
const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

function runCheckpointWorker(data: CheckpointWorkerData): void {
  const port = parentPort!;
  const reply = (m: CheckpointReply) => port.postMessage(m);
  const db = new Sqlite(data.file);
  db.pragma('busy_timeout = 0');
  const damage = createDamageCheck(data.file, { shrinkMeansDamage: data.shrinkMeansDamage });
  // Background upkeep: yields to the hub and the commit thread when the cores are busy.
  lowerThreadPriority();
  const tick = () => {
    // A damaged file is never checkpointed into (fileDamage.ts says why).
    const found = damage.check();
    if (found) {
      clearInterval(timer);
      reply({ kind: 'damaged', detail: `${found}; found before a WAL checkpoint, which was not run` });
      return;
    }
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
      damage.grew();
      reply({ kind: 'checkpoint', ok: true, log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 });
    } catch (err) {
      reply({ kind: 'checkpoint', ok: false, error: messageOf(err), code: codeOf(err) });
    }
  };
  const quickCheck = () => {
    try {
      const rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
      reply({ kind: 'integrity', problems: rows.map((r) => r.quick_check).filter((r) => r !== 'ok') });
    } catch (err) {
      reply({ kind: 'integrity', problems: [messageOf(err)], code: codeOf(err) });
    }
  };
  const timer = setInterval(tick, data.intervalMs);
  const checks = data.quickCheckMs > 0 ? setInterval(quickCheck, data.quickCheckMs) : null;
  port.on('message', (m: CheckpointRequest) => {
    if (m.type !== 'stop') return;
    clearInterval(timer);
    if (checks) clearInterval(checks);
    try {
      db.close();
    } catch {
      // Closing a connection the thread is leaving anyway: nothing to do about a failure.
    }
    damage.close();
    port.close();
  });
}

runCheckpointWorker(workerData as CheckpointWorkerData);
