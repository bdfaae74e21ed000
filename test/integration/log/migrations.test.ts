import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/main/core/db/database';
import { MIGRATIONS } from '../../../src/main/core/db/migrations';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { tempDir } from '../../helpers/core';
import { entry, openLogFixture } from './helpers';

const LOG_TABLES = ['socket_log_access', 'socket_log_chains', 'socket_log_counters', 'socket_log_updates', 'socket_logs'];

async function assertLogWorks(dataDir: string) {
  const fx = await openLogFixture(dataDir);
  const { id } = await fx.writer.createSocketLog(entry({ eventType: 'ambulance_request' }));
  await fx.writer.updateSocketLog(id, { status: 'success' });
  const file = fx.database.file;
  const key = fx.keys.mac;
  const tables = (fx.database.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'socket_log%' ORDER BY name").pluck().all() as string[]);
  const indexes = fx.database.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'socket_logs' AND name LIKE 'idx_%'").pluck().all();
  await fx.close();
  expect(tables).toEqual(LOG_TABLES);
  // The per-user index lives in its own file since 005 (log/userIndex.ts).
  expect(indexes).toHaveLength(4);
  expect(indexes).not.toContain('idx_socket_logs_user_time');
  expect((await verifyLogFile(file, key)).ok).toBe(true);
}

describe('migrations', () => {
  it('migrates an empty database to the latest version', async () => {
    await assertLogWorks(tempDir());
  });

  const names = Object.keys(MIGRATIONS).sort();
  for (const name of names.slice(0, -1)) {
    it(`migrates a database left at ${name} to the latest version`, async () => {
      const dir = tempDir();
      const old = await openDatabase(dir, { migrateTo: name });
      const applied = old.sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all();
      expect(applied).toEqual(names.slice(0, names.indexOf(name) + 1));
      await old.close();
      await assertLogWorks(dir);
    });
  }

  it('can migrate the socket log down and up again (the down migration is real)', async () => {
    const dir = tempDir();
    const db = await openDatabase(dir);
    await db.close();
    const before = names[names.indexOf('002_socket_log') - 1]!;
    const down = await openDatabase(dir, { migrateTo: before });
    const left = down.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'socket_logs'").pluck().get();
    await down.close();
    expect(left).toBe(0);
    await assertLogWorks(dir);
    void Sqlite;
  });
});
