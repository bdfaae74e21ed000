import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../../src/main/core/log/write/checkpointer';
import { tempDir } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';

let db: Sqlite.Database | undefined;
let checkpointer: Checkpointer | undefined;
afterEach(async () => {
  await checkpointer?.close();
  db?.close();
  checkpointer = db = undefined;
});

/** A database as the log keeps it: WAL mode, checkpoints only by the checkpoint thread. */
function logLikeDatabase() {
  const file = path.join(tempDir('switchboard-checkpoint-'), 'switchboard.db');
  db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  const write = (n: number) => db!.transaction(() => {
    for (let i = 0; i < n; i += 1) insert.run(`row ${i} ${'x'.repeat(300)}`);
  })();
  return { file, write };
}

describe('the checkpoint thread and a damaged database file', () => {
  it('finds a truncated file before checkpointing, says so, and does not write the WAL back over the damage', async () => {
    const { file, write } = logLikeDatabase();
    write(2000);
    const damaged: string[] = [];
    checkpointer = startCheckpointer({ file, sqlite: db!, intervalMs: 20, logger: pino({ level: 'silent' }), onDamaged: (detail) => damaged.push(detail) });
    await waitFor('a first checkpoint into the database file', () => (checkpointer!.last()?.checkpointed ?? 0) > 0);
    const sizeBefore = fs.statSync(file).size;
    // A reader's snapshot from before the new rows: while it is open no checkpoint can copy them, so the
    // truncation below cannot land in the middle of one (between its look at the file and its writes).
    const reader = new Sqlite(file, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM rows').get();
    // New rows in the WAL: the header page and the last pages, which a checkpoint would write back.
    write(500);
    fs.truncateSync(file, 0);
    const detail = await waitFor('the checkpoint thread to report the truncation', () => damaged[0]);
    // Now the new rows could be copied back: nothing may do it.
    reader.exec('COMMIT');
    reader.close();
    expect(detail).toMatch(new RegExp(`was truncated \\(0 bytes, it had ${sizeBefore}\\)`));
    // No checkpoint ran after it: the file was not given back its size and header, which would hide the damage.
    expect(fs.statSync(file).size).toBe(0);
    expect(damaged).toHaveLength(1);
  });
});
