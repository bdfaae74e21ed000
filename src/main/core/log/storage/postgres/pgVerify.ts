import type { PgDatabase } from './pgDatabase';
import { anchorMac, chainHeadMac, checkpointGenesis, checkpointMac, incarnationGenesis, pgAccessMac, pgRowMac, pgUpdateMac, type ChainedRow } from './pgChain';

export interface PgBadRecord {
  /** The chain (node incarnation) or "checkpoints". */
  chain: string;
  seq: number;
  /** The socket log row id, when the bad record is a row or an update of one. */
  logId: number | null;
  reason: string;
}

export interface PgVerifyReport {
  ok: boolean;
  chains: number;
  rows: number;
  updates: number;
  access: number;
  checkpoints: number;
  /** The first bad record found (chains in start order, then checkpoints). */
  firstBad: PgBadRecord | null;
  /** Every bad record found, as a sentence (at most 100). */
  problems: string[];
  /** Each chain's head, and where it starts (0, or its retention anchor). */
  heads: Record<string, { lastSeq: number; anchorSeq: number }>;
}

const PAGE = 5_000;

type DbRow = Omit<ChainedRow, 'created_at'> & { created_at: Date; mac: Buffer; current_status: string; version: number };
type DbUpdate = { log_id: number; at: Date; incarnation: string; chain_seq: number; version: number; changes: string; mac: Buffer };
type DbAccess = { id: number; at: Date; actor: string; actor_role: string | null; channel: string; query: string; params: string; row_count: number; incarnation: string; chain_seq: number; mac: Buffer };
type ChainRecord = { seq: number; row?: DbRow; update?: DbUpdate; access?: DbAccess };

/**
 * One page of an incarnation's chain after link `after`: rows, update records and
 * access records merged by chain_seq, up to where all three pages are complete.
 */
async function chainPage(pg: PgDatabase, incarnation: string, after: number, head: number): Promise<ChainRecord[]> {
  // Up to the head read before: a live node keeps appending while verify runs, and its newer links are not this verification's.
  const page = async <T extends { chain_seq: number }>(table: string) =>
    (await pg.pool.query<T>(`SELECT * FROM ${table} WHERE incarnation = $1 AND chain_seq > $2 AND chain_seq <= $4 ORDER BY chain_seq LIMIT $3`, [incarnation, after, PAGE, head])).rows;
  const [rows, updates, access] = [await page<DbRow>('socket_logs'), await page<DbUpdate>('socket_log_updates'), await page<DbAccess>('socket_log_access')];
  const complete = (list: Array<{ chain_seq: number }>) => (list.length === PAGE ? list[PAGE - 1]!.chain_seq : Infinity);
  const limit = Math.min(complete(rows), complete(updates), complete(access));
  return [...rows.map((r) => ({ seq: r.chain_seq, row: r })), ...updates.map((u) => ({ seq: u.chain_seq, update: u })), ...access.map((a) => ({ seq: a.chain_seq, access: a }))]
    .filter((r) => r.seq <= limit)
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Verifies the PostgreSQL log: every incarnation's chain link by link (rows and
 * update records merged by chain_seq) up to its sealed head, the checkpoint chain,
 * that every head a checkpoint sealed is a link of its chain, and that each row's
 * current outcome is what its update records say. Names the first bad record.
 */
export async function verifyPostgresLog(pg: PgDatabase, key: Buffer): Promise<PgVerifyReport> {
  const report: PgVerifyReport = { ok: true, chains: 0, rows: 0, updates: 0, access: 0, checkpoints: 0, firstBad: null, problems: [], heads: {} };
  const bad = (b: PgBadRecord) => {
    report.ok = false;
    report.firstBad ??= b;
    if (report.problems.length < 100) report.problems.push(`${b.chain} link ${b.seq}${b.logId !== null ? ` (socket log row ${b.logId})` : ''}: ${b.reason}`);
  };
  const checkpoints = (await pg.pool.query<{ seq: number; created_at: Date; node: string; heads: string; mac: Buffer }>('SELECT seq, created_at, node, heads, mac FROM log_checkpoints ORDER BY seq')).rows;
  /** incarnation -> seq -> sealed MAC (hex), as the checkpoints recorded them. */
  const sealed = new Map<string, Map<number, string>>();
  let prev = checkpointGenesis(key);
  checkpoints.forEach((c, i) => {
    if (c.seq !== i + 1) bad({ chain: 'checkpoints', seq: c.seq, logId: null, reason: `checkpoint ${i + 1} is missing` });
    const expected = checkpointMac(key, prev, c.seq, c.created_at.getTime(), c.node, c.heads);
    if (!expected.equals(c.mac)) bad({ chain: 'checkpoints', seq: c.seq, logId: null, reason: 'checkpoint MAC does not verify' });
    prev = c.mac;
    for (const [incarnation, seq, macHex] of JSON.parse(c.heads) as Array<[string, number, string]>) {
      if (!sealed.has(incarnation)) sealed.set(incarnation, new Map());
      sealed.get(incarnation)!.set(seq, macHex);
    }
  });
  report.checkpoints = checkpoints.length;

  /** log id -> the version and status its update records lead to. */
  const updated = new Map<number, { version: number; status: string | null }>();
  const anchors = new Map((await pg.pool.query<{ incarnation: string; seq: number; mac: Buffer; anchor_mac: Buffer }>('SELECT incarnation, seq, mac, anchor_mac FROM log_anchors')).rows.map((a) => [a.incarnation, a]));
  const chains = (await pg.pool.query<{ incarnation: string; last_seq: number; last_mac: Buffer; head_mac: Buffer }>('SELECT incarnation, last_seq, last_mac, head_mac FROM log_chains ORDER BY started_at, incarnation')).rows;
  const rowStates: Array<{ id: number; status: string; current_status: string; version: number; incarnation: string; seq: number }> = [];
  for (const chain of chains) {
    report.chains += 1;
    const inc = chain.incarnation;
    const marks = sealed.get(inc) ?? new Map<number, string>();
    if (!chainHeadMac(key, inc, chain.last_seq, chain.last_mac).equals(chain.head_mac)) bad({ chain: inc, seq: chain.last_seq, logId: null, reason: 'the chain head seal does not verify' });
    // After retention, the chain starts at its sealed anchor (the last link it dropped).
    const anchor = anchors.get(inc);
    if (anchor && !anchorMac(key, inc, anchor.seq, anchor.mac).equals(anchor.anchor_mac)) bad({ chain: inc, seq: anchor.seq, logId: null, reason: 'the retention anchor does not verify (moved)' });
    let mac = anchor ? anchor.mac : incarnationGenesis(key, inc);
    let seq = anchor ? anchor.seq : 0;
    report.heads[inc] = { lastSeq: chain.last_seq, anchorSeq: seq };
    for (const sealedSeq of [...marks.keys()]) if (sealedSeq <= seq) marks.delete(sealedSeq);
    for (;;) {
      const records = await chainPage(pg, inc, seq, chain.last_seq);
      if (records.length === 0) break;
      for (const record of records) {
        const logId = record.row ? record.row.id : record.update ? record.update.log_id : null;
        if (record.seq !== seq + 1) bad({ chain: inc, seq: seq + 1, logId: null, reason: `link ${seq + 1} is missing (next is ${record.seq})` });
        if (record.row) {
          const r = record.row;
          mac = checkLink(pgRowMac(key, mac, { ...r, created_at: r.created_at.getTime() }), r.mac, () => bad({ chain: inc, seq: r.chain_seq, logId, reason: 'row does not match its MAC (edited)' }));
          rowStates.push({ id: r.id, status: r.status, current_status: r.current_status, version: r.version, incarnation: inc, seq: r.chain_seq });
          report.rows += 1;
        } else if (record.update) {
          const u = record.update;
          mac = checkLink(pgUpdateMac(key, mac, { ...u, at: u.at.getTime() }), u.mac, () => bad({ chain: inc, seq: u.chain_seq, logId, reason: 'update record does not match its MAC (edited)' }));
          const status = (JSON.parse(u.changes) as { status?: string }).status;
          const known = updated.get(u.log_id) ?? { version: 0, status: null };
          updated.set(u.log_id, { version: Math.max(known.version, u.version), status: u.version >= known.version && status ? status : known.status });
          report.updates += 1;
        } else {
          const a = record.access!;
          mac = checkLink(pgAccessMac(key, mac, { ...a, at: a.at.getTime() }), a.mac, () => bad({ chain: inc, seq: a.chain_seq, logId: null, reason: 'access record does not match its MAC (edited)' }));
          report.access += 1;
        }
        seq = record.seq;
        const sealedMac = marks.get(seq);
        if (sealedMac !== undefined && sealedMac !== mac.toString('hex')) bad({ chain: inc, seq, logId, reason: 'a checkpoint sealed a different record here (replaced)' });
        marks.delete(seq);
      }
    }
    if (seq !== chain.last_seq || !mac.equals(chain.last_mac)) bad({ chain: inc, seq, logId: null, reason: `the chain ends at link ${seq} but its head says ${chain.last_seq} (rows deleted or rolled back)` });
    for (const sealedSeq of marks.keys()) bad({ chain: inc, seq: sealedSeq, logId: null, reason: `a checkpoint sealed link ${sealedSeq}, which is gone (truncated)` });
    sealed.delete(inc);
  }
  for (const inc of sealed.keys()) bad({ chain: inc, seq: 0, logId: null, reason: 'a checkpoint sealed this chain, which is gone' });
  for (const r of rowStates) {
    const u = updated.get(r.id);
    const expected = { version: u?.version ?? 0, status: u?.status ?? r.status };
    if (r.version !== expected.version || r.current_status !== expected.status) bad({ chain: r.incarnation, seq: r.seq, logId: r.id, reason: 'the row\'s current outcome is not what its update records say' });
  }
  return report;
}

/** The record's stored MAC if it matches the recomputed one; either way the chain goes on from the stored one. */
function checkLink(expected: Buffer, stored: Buffer, onBad: () => void): Buffer {
  if (!expected.equals(stored)) onBad();
  return stored;
}
