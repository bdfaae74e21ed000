import fs from 'node:fs';

/**
 * Power-loss durability without blocking the event loop.
 *
 * With `synchronous=FULL` SQLite fsyncs the WAL inside every COMMIT, on the
 * calling thread: the hub's event loop stood still for about 0.8 ms per group
 * commit (14% of its time at 8k events/s, measured). The socket log writer
 * instead commits with `synchronous=NORMAL` (the frames are written to the WAL
 * but not synced) and then asks this syncer to fdatasync the WAL file on
 * libuv's thread pool; it acknowledges callers only after that sync returns.
 * An acknowledged row is therefore on disk exactly as with FULL, and while one
 * sync is in flight the next group commits go ahead (they share the next sync).
 *
 * fdatasync on our own descriptor of the WAL flushes the file's pages whoever
 * wrote them (it works on the inode), as long as it is the inode SQLite writes. SQLite itself still syncs the WAL header
 * when it restarts the WAL and around checkpoints.
 */
export interface WalSync {
  /** Calls back once everything committed before this call is on disk, or with the error that prevented it. */
  afterCommit(callback: (err: Error | null) => void): void;
  /** Commits waiting for a sync, including the one in flight. */
  pending(): number;
  /** Waits for outstanding syncs, then closes the descriptor. */
  close(): Promise<void>;
}

type SyncFn = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void;

export interface WalSyncOptions {
  /** Where a failed sync is reported (a pino logger, or the commit thread's relay to one). */
  logger: { error(context: { err: unknown; walFile: string }, message: string): void };
  /** Injected in tests to hold or fail a sync; fs.fdatasync otherwise. */
  fdatasync?: SyncFn;
}

export function createWalSync(walFile: string, options: WalSyncOptions): WalSync {
  const sync = options.fdatasync ?? fs.fdatasync;
  let fd: number | null = null;
  let inode = 0;
  let inFlight: Array<(err: Error | null) => void> | null = null;
  let waiting: Array<(err: Error | null) => void> = [];
  let closers: Array<() => void> = [];

  /**
   * The WAL's descriptor. If the file at the path is no longer the one we opened
   * (deleted, or replaced by a new connection after a deletion), SQLite still
   * writes to the old one: syncing the new file would acknowledge rows that a
   * crash then loses. That is an error (code WAL_REPLACED), never a reopen.
   */
  const descriptor = (): number => {
    const current = fs.statSync(walFile).ino;
    if (fd !== null && current === inode) return fd;
    if (fd !== null) throw Object.assign(new Error(`WAL_REPLACED: ${walFile} is not the file SQLite writes any more (deleted or replaced)`), { code: 'WAL_REPLACED' });
    fd = fs.openSync(walFile, 'r');
    inode = fs.fstatSync(fd).ino;
    return fd;
  };

  const finishClose = () => {
    if (closers.length === 0 || inFlight || waiting.length > 0) return;
    if (fd !== null) fs.closeSync(fd);
    fd = null;
    const done = closers;
    closers = [];
    done.forEach((resolve) => resolve());
  };

  const start = () => {
    if (inFlight || waiting.length === 0) return finishClose();
    const batch = waiting;
    waiting = [];
    inFlight = batch;
    const settle = (err: Error | null) => {
      if (err) options.logger.error({ err, walFile }, 'WAL sync failed: commits since the last sync are not known to be durable');
      inFlight = null;
      for (const callback of batch) callback(err);
      start();
    };
    let target: number;
    try {
      target = descriptor();
    } catch (err) {
      // Settle on a later turn, like a real sync, so callers never re-enter the writer.
      setImmediate(() => settle(err as Error));
      return;
    }
    sync(target, (err) => settle(err));
  };

  return {
    afterCommit(callback) {
      waiting.push(callback);
      start();
    },
    pending: () => waiting.length + (inFlight?.length ?? 0),
    close() {
      return new Promise<void>((resolve) => {
        closers.push(resolve);
        finishClose();
      });
    }
  };
}
