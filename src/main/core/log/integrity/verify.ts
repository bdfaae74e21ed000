import type { VerifyReport } from '../../../../shared/contract/log';
import { CLOCK_STEP_EVENT } from '../write/clockSteps';
import { createHash } from 'node:crypto';
import { accessMac, CHAINS, MAC_BYTES, macEquals, rowMac, sealHead, stateCanon, stateDigest, updateMac, type ChainHead, type ChainName, type RowState } from '../store/chain';
import { openReadSnapshot, yieldToEventLoop, type ReadSnapshot } from '../read/readConnection';
import { prepareNamed, toHead, type HeadRow, type NamedStatement } from '../store/statements';

const PAGE = 2_000;
const MAX_PROBLEMS = 20;

interface Problem {
  table: string;
  id: number;
  reason: string;
}

type Chained = { id: number; mac: Buffer };

const TABLE_OF: Record<ChainName, string> = { rows: 'socket_logs', updates: 'socket_log_updates', access: 'socket_log_access' };

/**
 * Walks one chain in id order from its anchor, recomputing each MAC from the
 * previous one. A gap in ids names the missing rows; a MAC mismatch names the
 * edited (or reordered, or forged) row. After a problem it resynchronises on the
 * stored MAC so one deletion does not hide a later edit.
 */
async function walkChain<R extends Chained>(
  chain: ChainName,
  head: ChainHead,
  page: NamedStatement,
  expectedMac: (prev: Buffer, row: R) => Buffer | Problem,
  report: (p: Problem) => void
): Promise<number> {
  const table = TABLE_OF[chain];
  let prev = head.anchor_mac;
  let expectedId = head.anchor_id + 1;
  let last = head.anchor_id;
  let checked = 0;
  for (;;) {
    const rows = page.all<R>({ after: last, limit: PAGE });
    for (const row of rows) {
      const id = Number(row.id);
      if (id > expectedId) {
        report({ table, id: expectedId, reason: `${table} ${expectedId === id - 1 ? `id ${expectedId} is` : `ids ${expectedId}..${id - 1} are`} missing (deleted)` });
        prev = Buffer.alloc(0);
      }
      const expected = expectedMac(prev, row);
      if (!Buffer.isBuffer(expected)) report(expected);
      else if (prev.length > 0 && !macEquals(row.mac, expected)) {
        report({ table, id, reason: `${table} id ${id} does not match its MAC: edited, reordered or forged` });
      }
      prev = row.mac;
      expectedId = id + 1;
      last = id;
      checked += 1;
    }
    if (rows.length < PAGE) break;
    await yieldToEventLoop();
  }
  if (last < head.head_id) {
    report({ table, id: last + 1, reason: `${table} ends at id ${last} but its sealed head is id ${head.head_id}: the tail was truncated` });
  } else if (last > head.head_id) {
    report({ table, id: head.head_id + 1, reason: `${table} has records after its sealed head (id ${head.head_id}): written outside Switchboard` });
  } else if (last === head.head_id && last > head.anchor_id && !macEquals(prev, head.head_mac)) {
    report({ table, id: last, reason: `${table} id ${last} is not the record the sealed head names` });
  }
  if (checked !== head.record_count) {
    report({ table, id: last, reason: `${table} holds ${checked} records after the anchor but the sealed head counts ${head.record_count}` });
  }
  return checked;
}

/** The initial state text kept by a row's first update, if it still hashes to the recorded digest. */
export function initialStateOf(first: { changes: string; before_digest: Buffer }): string | null {
  try {
    const initial = (JSON.parse(first.changes) as { initial?: unknown }).initial;
    if (typeof initial !== 'string') return null;
    const digest = createHash('sha256').update(initial).digest().subarray(0, MAC_BYTES);
    return digest.equals(first.before_digest) ? initial : null;
  } catch {
    return null;
  }
}

export async function verifySnapshot(snap: ReadSnapshot, key: Buffer): Promise<VerifyReport> {
  const started = performance.now();
  const { db, sqlite } = snap;
  const problems: Problem[] = [];
  const report = (p: Problem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const prepare = (build: Parameters<typeof prepareNamed>[1]) => prepareNamed(sqlite, build);

  const heads = new Map<ChainName, ChainHead>();
  for (const row of prepare(() => db.selectFrom('socket_log_chains').selectAll()).all<HeadRow>({})) {
    const head = toHead(row);
    if (!(CHAINS as readonly string[]).includes(head.chain)) continue;
    if (!macEquals(row.seal, sealHead(key, head))) {
      report({ table: 'socket_log_chains', id: 0, reason: `the sealed head of the ${head.chain} chain was altered` });
    }
    heads.set(head.chain, head);
  }
  for (const chain of CHAINS) {
    if (!heads.has(chain)) report({ table: 'socket_log_chains', id: 0, reason: `the ${chain} chain has no head (deleted, or the log was never opened by Switchboard)` });
  }

  const updatesOf = prepare((p) =>
    db
      .selectFrom('socket_log_updates')
      .select(['id', 'version', 'changes', 'before_digest', 'after_digest'])
      .where('log_id', '=', p('log_id') as never)
      .orderBy('version')
  );
  const checked = { rows: 0, updates: 0, access: 0 };
  const rowsHead = heads.get('rows');
  if (rowsHead) {
    const page = prepare((p) =>
      db.selectFrom('socket_logs').selectAll().where('id', '>', p('after') as never).orderBy('id').limit(p('limit') as never)
    );
    // Times never go back between consecutive ids (the writer's clock keeps them in order through
    // clock steps, and records each step as a clock_step row): a row dated before the one before
    // it, with no recorded step, means the clock was set back or the row was moved in time.
    let prevCreatedAt = Number.NEGATIVE_INFINITY;
    let stepRecorded = false;
    checked.rows = await walkChain<Chained & RowState & Parameters<typeof rowMac>[2]>('rows', rowsHead, page, (prev, row) => {
      const id = Number(row.id);
      const createdAt = Number(row.created_at);
      if (createdAt < prevCreatedAt && !stepRecorded && row.event_type !== CLOCK_STEP_EVENT) {
        report({ table: 'socket_logs', id, reason: `socket_logs id ${id} is dated ${prevCreatedAt - createdAt} ms before the row before it and no clock step was recorded: the clock was set back or the row was moved in time` });
      }
      prevCreatedAt = createdAt;
      stepRecorded = row.event_type === CLOCK_STEP_EVENT;
      const version = Number(row.version);
      let initial = stateCanon(row);
      if (version > 0) {
        const updates = updatesOf.all<{ id: number; version: number; changes: string; before_digest: Buffer; after_digest: Buffer }>({ log_id: id });
        if (updates.length !== version) {
          return { table: 'socket_logs', id, reason: `socket_logs id ${id} is at version ${version} but has ${updates.length} update records: its state was rolled back or an update record was removed` };
        }
        for (let i = 0; i < updates.length; i += 1) {
          const u = updates[i]!;
          if (Number(u.version) !== i + 1 || (i > 0 && !u.before_digest.equals(updates[i - 1]!.after_digest))) {
            return { table: 'socket_log_updates', id: Number(u.id), reason: `update record ${u.id} of socket_logs id ${id} does not follow the one before it` };
          }
        }
        if (!updates[updates.length - 1]!.after_digest.equals(stateDigest(row))) {
          return { table: 'socket_logs', id, reason: `socket_logs id ${id} does not match its last recorded update: edited` };
        }
        const kept = initialStateOf(updates[0]!);
        if (kept === null) return { table: 'socket_log_updates', id: Number(updates[0]!.id), reason: `update record ${updates[0]!.id} lost the initial state of socket_logs id ${id}` };
        initial = kept;
      }
      return prev.length === 0 ? row.mac : rowMac(key, prev, { ...row, id }, initial);
    }, report);
  }
  const updatesHead = heads.get('updates');
  if (updatesHead) {
    const page = prepare((p) =>
      db.selectFrom('socket_log_updates').selectAll().where('id', '>', p('after') as never).orderBy('id').limit(p('limit') as never)
    );
    const versionOf = prepare((p) => db.selectFrom('socket_logs').select('version').where('id', '=', p('id') as never));
    const rowsAnchor = rowsHead?.anchor_id ?? 0;
    checked.updates = await walkChain<Chained & Parameters<typeof updateMac>[2]>('updates', updatesHead, page, (prev, u) => {
      // A row reset to its original state (version 0) still matches its insert MAC; its update
      // records are what give it away.
      const logId = Number(u.log_id);
      const row = logId > rowsAnchor ? versionOf.get<{ version: number }>({ id: logId }) : undefined;
      if (row && Number(row.version) < Number(u.version)) {
        return { table: 'socket_logs', id: logId, reason: `socket_logs id ${logId} is at version ${row.version} but update record ${u.id} made it version ${u.version}: its state was rolled back` };
      }
      return prev.length === 0 ? u.mac : updateMac(key, prev, { ...u, id: Number(u.id) });
    }, report);
  }
  const accessHead = heads.get('access');
  if (accessHead) {
    const page = prepare((p) =>
      db.selectFrom('socket_log_access').selectAll().where('id', '>', p('after') as never).orderBy('id').limit(p('limit') as never)
    );
    checked.access = await walkChain<Chained & Parameters<typeof accessMac>[2]>('access', accessHead, page, (prev, a) =>
      prev.length === 0 ? a.mac : accessMac(key, prev, { ...a, id: Number(a.id) }), report);
  }

  return {
    ok: problems.length === 0,
    checked,
    heads: Object.fromEntries(
      [...heads.values()].map((h) => [h.chain, { head_id: h.head_id, anchor_id: h.anchor_id, record_count: h.record_count }])
    ),
    first_bad: problems[0] ?? null,
    problems: problems.map((p) => p.reason),
    duration_ms: Math.round(performance.now() - started)
  };
}

/** Verifies the log in a database file, on its own read connection (safe while the core runs). */
export async function verifyLogFile(file: string, key: Buffer): Promise<VerifyReport> {
  const snap = openReadSnapshot(file);
  try {
    return await verifySnapshot(snap, key);
  } finally {
    await snap.close();
  }
}
