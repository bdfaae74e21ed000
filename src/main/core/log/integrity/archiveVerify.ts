import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { rowMac, stateCanon, type RowState } from '../store/chain';
import { initialStateOf } from './verify';

export interface ArchiveCheck {
  ok: boolean;
  rows: number;
  firstId: number | null;
  lastId: number | null;
  problems: string[];
}

const unhex = (row: Record<string, unknown>, keys: string[]) => {
  for (const k of keys) if (typeof row[k] === 'string') row[k] = Buffer.from(row[k] as string, 'hex');
  return row;
};

/**
 * Checks a retention archive on its own: its rows chain from the anchor in its
 * header to the last row in its trailer (which is where the live log's anchor
 * now starts), with every updated row replayed against its update records.
 */
export async function verifyArchiveFile(file: string, key: Buffer): Promise<ArchiveCheck> {
  const problems: string[] = [];
  const rows: Array<Record<string, unknown>> = [];
  const updates = new Map<number, Array<Record<string, unknown>>>();
  type Header = { rows_anchor?: { id: number; mac: string } };
  type Trailer = { rows?: number; last_row?: { id: number; mac: string } };
  let header = null as Header | null;
  let trailer = null as Trailer | null;
  const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  // Rows are buffered per file: an archive holds one retention run (chunks of a few thousand rows).
  for await (const line of lines) {
    if (!line) continue;
    const record = JSON.parse(line) as Record<string, unknown> & { type: string };
    if (record.type === 'header') header = record as unknown as Header;
    else if (record.type === 'trailer') trailer = record as unknown as Trailer;
    else if (record.type === 'row') rows.push(unhex(record, ['mac']));
    else if (record.type === 'update') {
      const u = unhex(record, ['before_digest', 'after_digest', 'mac']);
      const list = updates.get(Number(u.log_id)) ?? [];
      list.push(u);
      updates.set(Number(u.log_id), list);
    }
  }
  if (!header?.rows_anchor) return { ok: false, rows: 0, firstId: null, lastId: null, problems: ['the archive has no header'] };
  let prev: Buffer = Buffer.from(header.rows_anchor.mac, 'hex');
  let expectedId = header.rows_anchor.id + 1;
  for (const row of rows) {
    const id = Number(row.id);
    if (id !== expectedId) problems.push(`row ${expectedId} is missing from the archive (found ${id})`);
    const version = Number(row.version);
    let initial: string | null = stateCanon(row as unknown as RowState);
    if (version > 0) {
      const list = (updates.get(id) ?? []).sort((a, b) => Number(a.version) - Number(b.version));
      if (list.length < version) problems.push(`row ${id} is at version ${version} but the archive holds ${list.length} of its updates`);
      else initial = initialStateOf(list[0] as { changes: string; before_digest: Buffer });
    }
    if (initial === null) {
      problems.push(`row ${id}: its first update lost the initial state`);
      initial = '';
    }
    const expected = rowMac(key, prev, row as never, initial);
    if (!expected.equals(row.mac as Buffer)) problems.push(`row ${id} does not match its MAC`);
    prev = row.mac as Buffer;
    expectedId = id + 1;
  }
  if (!trailer?.last_row) problems.push('the archive has no trailer: it was cut short');
  else {
    if (trailer.rows !== rows.length) problems.push(`the trailer counts ${trailer.rows} rows; the archive holds ${rows.length}`);
    if (trailer.last_row.mac !== prev.toString('hex')) problems.push('the last row does not match the trailer');
  }
  return { ok: problems.length === 0, rows: rows.length, firstId: rows.length ? Number(rows[0]!.id) : null, lastId: rows.length ? Number(rows[rows.length - 1]!.id) : null, problems };
}
