import pg from 'pg';
import type { Core } from '../../src/main/core/createCore';

const INT8_OID = 20;

/**
 * Rows of the socket log's tables by SQL, from whichever storage the test mode
 * gave the core: its SQLite file, or in cluster mode its PostgreSQL database.
 * The SQL is the plain kind both engines read alike, with `?` placeholders;
 * bigint columns come back as numbers on both.
 */
export async function queryLog<R = Record<string, unknown>>(core: Core, sqlText: string, ...params: unknown[]): Promise<R[]> {
  const cluster = core.config.cluster as { postgresUrl?: string } | undefined;
  if (!cluster?.postgresUrl) return core.database.sqlite.prepare(sqlText).all(...params) as R[];
  let n = 0;
  const text = sqlText.replace(/\?/g, () => `$${++n}`);
  const client = new pg.Client({
    connectionString: cluster.postgresUrl,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser }
  });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}
