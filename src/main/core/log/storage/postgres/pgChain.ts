import { createHmac } from 'node:crypto';
import type { PgRowColumns } from './pgTables';

/**
 * Tamper evidence on PostgreSQL: one HMAC chain per node incarnation (each start
 * of a node begins a new chain; a dead node's chain simply ends), sealed together
 * by one global checkpoint chain a few times a second. One global chain would put
 * every node's commit behind one lock; a chain per incarnation needs no lock at
 * all (only its own node writes it), and the checkpoints still fix the order and
 * the extent of every chain. Rows and update records share their incarnation's
 * chain, ordered by chain_seq.
 */
export const PG_MAC_BYTES = 16;

const mac = (key: Buffer, tag: string, prev: Buffer | null, text: string): Buffer => {
  const h = createHmac('sha256', key).update(tag);
  if (prev) h.update(prev);
  return h.update(text).digest().subarray(0, PG_MAC_BYTES);
};

/** The first link of an incarnation's chain. */
export const incarnationGenesis = (key: Buffer, incarnation: string): Buffer => mac(key, 'pg-genesis', null, incarnation);

/** The first link of the checkpoint chain. */
export const checkpointGenesis = (key: Buffer): Buffer => mac(key, 'pg-checkpoint-genesis', null, '');

/** A row as its MAC covers it: every column it was written with (the current outcome is in update records). */
export interface ChainedRow extends PgRowColumns {
  id: number;
  created_at: number;
  incarnation: string;
  chain_seq: number;
}

export const pgRowMac = (key: Buffer, prev: Buffer, r: ChainedRow): Buffer =>
  mac(
    key,
    'pg-row',
    prev,
    JSON.stringify([
      r.id, r.created_at, r.incarnation, r.chain_seq, r.event_type, r.socket_id, r.user_id, r.user_role, r.event_data, r.request_data,
      r.response_data, r.patient_latitude, r.patient_longitude, r.hospital_id, r.hospital_name, r.distance_km, r.status, r.error_message,
      r.processed, r.response_time_ms, r.ip_address, r.user_agent, r.session_duration, r.client_event_id
    ])
  );

export interface ChainedUpdate {
  log_id: number;
  at: number;
  incarnation: string;
  chain_seq: number;
  version: number;
  changes: string;
}

export const pgUpdateMac = (key: Buffer, prev: Buffer, u: ChainedUpdate): Buffer =>
  mac(key, 'pg-update', prev, JSON.stringify([u.log_id, u.at, u.incarnation, u.chain_seq, u.version, u.changes]));

/** Seals a chain's head, so cutting the tail off shows even before the next checkpoint. */
export const chainHeadMac = (key: Buffer, incarnation: string, lastSeq: number, lastMac: Buffer): Buffer =>
  mac(key, 'pg-head', lastMac, JSON.stringify([incarnation, lastSeq]));

/** A checkpoint: its number, time and the chain heads it seals, linked to the checkpoint before. */
export const checkpointMac = (key: Buffer, prev: Buffer, seq: number, createdAt: number, node: string, heads: string): Buffer =>
  mac(key, 'pg-checkpoint', prev, JSON.stringify([seq, createdAt, node, heads]));

export interface ChainedAccess {
  id: number;
  at: number;
  actor: string;
  actor_role: string | null;
  channel: string;
  query: string;
  params: string;
  row_count: number;
  incarnation: string;
  chain_seq: number;
}

/** An access record (who read the log) is a link of its node incarnation's chain, like rows and updates. */
export const pgAccessMac = (key: Buffer, prev: Buffer, a: ChainedAccess): Buffer =>
  mac(key, 'pg-access', prev, JSON.stringify([a.id, a.at, a.actor, a.actor_role, a.channel, a.query, a.params, a.row_count, a.incarnation, a.chain_seq]));

/** Seals where a chain starts after retention dropped its older links: without the key nobody can move it. */
export const anchorMac = (key: Buffer, incarnation: string, seq: number, linkMac: Buffer): Buffer => mac(key, 'pg-anchor', linkMac, JSON.stringify([incarnation, seq]));
