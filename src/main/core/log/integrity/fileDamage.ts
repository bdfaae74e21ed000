import fs from 'node:fs';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
/** The smallest a database Switchboard created can be: one page holds at least the 100-byte header. */
const MIN_DATABASE_BYTES = 512;

/** The code the commit thread refuses a batch under when this check finds damage (fileGuard.ts fences on it). */
export const FILE_DAMAGED = 'FILE_DAMAGED';

export interface DamageCheck {
  /** What is wrong with the file since the last look (one sentence naming it), or null. */
  check(): string | null;
  /** After the caller grew the file (a checkpoint): its new size is the one to compare against. */
  grew(): void;
  close(): void;
}

/**
 * Whether the database file was truncated or overwritten since the last look:
 * smaller than it has been (it never shrinks without auto_vacuum) or than any
 * database Switchboard makes, or without SQLite's header. The file guard looks on
 * its timer; both threads that write WAL pages back into the file (the commit
 * thread's checkpoints, the checkpoint thread's) look before each: a checkpoint
 * into a truncated file would write over the evidence and could give the file
 * back the size and header the guard looks at.
 *
 * The descriptor for the header stays open until `close()`, called after the
 * connections to the file are closed: closing any descriptor of the file drops
 * the whole process's POSIX locks on it, SQLite's included.
 */
export function createDamageCheck(file: string, options: { shrinkMeansDamage: boolean }): DamageCheck {
  const size = () => fs.statSync(file).size;
  let largest = 0;
  let fd: number | null = null;
  try {
    largest = size();
    fd = fs.openSync(file, 'r');
  } catch {
    // A file the thread cannot stat or read: the file guard on the main thread reports it.
  }
  const header = Buffer.alloc(16);
  return {
    check() {
      try {
        const now = size();
        if (now < MIN_DATABASE_BYTES || (options.shrinkMeansDamage && now < largest)) return `${file} was truncated (${now} bytes, it had ${largest})`;
        if (fd !== null && (fs.readSync(fd, header, 0, 16, 0) !== 16 || !header.equals(SQLITE_MAGIC))) {
          return `${file} lost its SQLite header (truncated or overwritten)`;
        }
        largest = Math.max(largest, now);
      } catch {
        // Deleted or unreadable: the file guard names it (it compares the file's identity first).
      }
      return null;
    },
    grew() {
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
