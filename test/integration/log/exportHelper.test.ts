import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openReadSnapshot } from '../../../src/main/core/log/read/readConnection';
import { bindValues, compileExportStatements, createSegmentReader, PAGE_JSON_BYTES, START } from '../../../src/main/core/log/export/exportPages';
import { startExportHelper } from '../../../src/main/core/log/export/exportHelper';
import { entry, openLogFixture } from './helpers';

/** The export's helper thread renders segments on its own connection, which must see exactly the main snapshot. */
async function loggedFile() {
  const fx = await openLogFixture();
  for (let i = 0; i < 40; i += 1) await fx.writer.createSocketLog(entry({ userAgent: `app, build ${i}`, errorMessage: i % 3 ? null : `"failed" ${i}` }));
  await fx.close();
  return path.join(fx.dataDir, 'switchboard.db');
}

const start = (file: string, commitInBetween: (() => void) | null = null) => {
  const snap = openReadSnapshot(file);
  const statements = compileExportStatements(snap, 'csv', { to: Date.now() + 60_000 });
  const readChains = () => snap.sqlite.prepare(statements.chains.sql).all(bindValues(statements.chains, {}));
  const helper = startExportHelper({
    file,
    statements,
    pageJsonBytes: PAGE_JSON_BYTES,
    cacheSize: -1000,
    takeMainSnapshot: () => {
      const heads = readChains();
      commitInBetween?.();
      return heads;
    }
  });
  return { snap, statements, helper };
};

describe('export helper thread', () => {
  it('renders a segment exactly as the main thread does', async () => {
    const file = await loggedFile();
    const { snap, statements, helper } = start(file);
    const remote = (await helper)!;
    expect(remote).not.toBeNull();
    const reader = createSegmentReader(snap, 'csv', statements, 16);
    let after = START;
    for (let segment = reader.next(after); segment; segment = reader.next(after)) {
      const mine = reader.render(segment)!;
      const theirs = (await remote.render(segment))!;
      expect(theirs.rows).toBe(mine.rows);
      expect(theirs.body.equals(mine.body)).toBe(true);
      after = segment.last;
    }
    await remote.close();
    await snap.close();
  });

  it('is not used when another process commits between the two snapshots', async () => {
    const file = await loggedFile();
    const other = new Sqlite(file);
    // Another process's writer moving a chain head while this export lines up its snapshots.
    const { snap, helper } = start(file, () => other.prepare("UPDATE socket_log_chains SET record_count = record_count + 1 WHERE chain = 'access'").run());
    expect(await helper).toBeNull();
    other.close();
    await snap.close();
  });
});
