import type Sqlite from 'better-sqlite3';
import type { ReplayChain } from '../../../shared/contract/replay';
import { macEquals, rowMac, stateCanon, stateDigest, type ImmutableRow, type RowState } from '../log/store/chain';
import { initialStateOf } from '../log/integrity/verify';

type StoredRow = ImmutableRow & RowState & { mac: Buffer };
interface UpdateRecord {
  id: number;
  version: number;
  changes: string;
  before_digest: Buffer;
  after_digest: Buffer;
}

/** Where a stored row's recorded updates disagree with it, or the initial state its insert MAC covers. */
function initialStateOrProblem(row: StoredRow, updates: UpdateRecord[]): string | { reason: string } {
  const version = Number(row.version);
  if (version === 0) return stateCanon(row);
  if (updates.length !== version) return { reason: `row ${row.id} is at version ${version} but has ${updates.length} update records: rolled back or an update was removed` };
  const linked = updates.every((u, i) => Number(u.version) === i + 1 && (i === 0 || u.before_digest.equals(updates[i - 1]!.after_digest)));
  if (!linked || !updates[updates.length - 1]!.after_digest.equals(stateDigest(row))) return { reason: `row ${row.id} does not match its recorded updates: edited` };
  return initialStateOf(updates[0]!) ?? { reason: `an update record of row ${row.id} lost its initial state` };
}

/**
 * Verifies the rows chain over one range of ids (the rows a replay or report
 * read): every id present, every MAC recomputed from the row before it. The
 * row before the range is the anchor: a full `log.verify` checks the rest.
 */
export function verifyRowRange(sqlite: Sqlite.Database, key: Buffer, fromId: number, toId: number): ReplayChain {
  const result: ReplayChain = { ok: true, from_id: fromId, to_id: toId, checked: 0, first_bad: null };
  if (toId < fromId) return result;
  const bad = (id: number, reason: string): ReplayChain => ({ ...result, ok: false, first_bad: { id, reason } });
  const rows = sqlite.prepare('SELECT * FROM socket_logs WHERE id >= ? AND id <= ? ORDER BY id').all(fromId - 1, toId) as StoredRow[];
  const updatesOf = sqlite.prepare('SELECT id, version, changes, before_digest, after_digest FROM socket_log_updates WHERE log_id = ? ORDER BY version');
  let prev: Buffer | null = null;
  let expected = fromId;
  for (const row of rows) {
    const id = Number(row.id);
    if (id < fromId) {
      prev = row.mac;
      continue;
    }
    if (id !== expected) return bad(expected, `row ${expected}${id - 1 > expected ? `..${id - 1}` : ''} is missing from the log (deleted)`);
    const initial = initialStateOrProblem(row, Number(row.version) > 0 ? (updatesOf.all(id) as UpdateRecord[]) : []);
    if (typeof initial !== 'string') return bad(id, initial.reason);
    // Without the row before the range (retention removed it) the first row is taken as the anchor.
    if (prev && !macEquals(row.mac, rowMac(key, prev, { ...row, id }, initial))) return bad(id, `row ${id} does not match its MAC: edited, reordered or forged`);
    prev = row.mac;
    expected = id + 1;
    result.checked += 1;
  }
  if (expected <= toId) return bad(expected, `rows ${expected}..${toId} are missing from the log (deleted or truncated)`);
  return result;
}
