/**
 * The checkpoint thread (entry point of a worker; started by checkpointer.ts).
 * Its own connection runs a PASSIVE WAL checkpoint every `intervalMs` (PASSIVE
 * never waits for or blocks the writer, it copies what it can) and, rarely, a
 * quick_check that reads every page, so neither runs on the event loop.
 */
import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../../workers/threadPriority';
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
  const damage = createDamageCheck(data);
  // Background upkeep: yields to the hub and the commit thread when the cores are busy.
  lowerThreadPriority();
  const tick = () => {
    // A checkpoint writes WAL pages into the database file at their offsets: into a truncated file it
    // would write over the evidence, and could give the file back the size and header the file guard
    // looks at. So the file is checked first, every time, and a damaged one is not checkpointed.
    const found = damage.check();
    if (found) {
      clearInterval(timer);
      reply({ kind: 'damaged', detail: found });
      return;
    }
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
      damage.checkpointed();
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

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/**
 * Whether the database file was truncated or overwritten since the last look:
 * smaller than it has been (it never shrinks without auto_vacuum) or without
 * SQLite's header. The descriptor for the header stays open until the thread's
 * connection is closed: closing any descriptor of the file drops the whole
 * process's POSIX locks on it, SQLite's included.
 */
function createDamageCheck(data: CheckpointWorkerData) {
  const size = () => fs.statSync(data.file).size;
  let largest = 0;
  let fd: number | null = null;
  try {
    largest = size();
    fd = fs.openSync(data.file, 'r');
  } catch {
    // A file the thread cannot stat or read: the file guard on the main thread reports it.
  }
  const header = Buffer.alloc(16);
  return {
    check(): string | null {
      try {
        const now = size();
        if (data.shrinkMeansDamage && now < largest) return `${data.file} was truncated (${now} bytes, it had ${largest}); found before a WAL checkpoint, which was not run`;
        if (fd !== null && now >= 16 && (fs.readSync(fd, header, 0, 16, 0) !== 16 || !header.equals(SQLITE_MAGIC))) {
          return `${data.file} lost its SQLite header (truncated or overwritten); found before a WAL checkpoint, which was not run`;
        }
        largest = Math.max(largest, now);
      } catch {
        // Deleted or unreadable: the file guard names it (it compares the file's identity).
      }
      return null;
    },
    checkpointed() {
      try {
        largest = Math.max(largest, size());
      } catch {
        // As above.
      }
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    }
  };
}

runCheckpointWorker(workerData as CheckpointWorkerData);
