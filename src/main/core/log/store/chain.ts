import type { Selectable } from 'kysely';
import type { SocketLogAccessTable, SocketLogsTable, SocketLogUpdatesTable } from './tables';
import { createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { readOrCreateSecret } from '../../auth/secretFile';

/**
 * Tamper evidence. Three chains, each record's MAC covering the previous MAC:
 *
 * - rows: a row's MAC covers its immutable columns plus a digest of its initial
 *   state (status, response data, outcome columns);
 * - updates: updateSocketLog never rewrites history silently: each update is its
 *   own appended record carrying the digests of the row's state before and after
 *   it, and the row's `version` counts them. Verification replays: a row at version
 *   0 must still match its insert; a row at version v must have exactly updates
 *   1..v, linked before->after, the last matching the row as it is now. So an
 *   edit, a deleted update or a row rolled back to an older state all show.
 *   (Re-chaining rows on update was rejected: it would change MACs an export
 *   manifest already signed.)
 * - access: who read the log.
 *
 * Each chain's head (last id, MAC, count) and anchor (last record removed by
 * retention) are sealed with the key, so truncating the tail or deleting a prefix
 * without the key shows too. The key lives in the data directory (0600).
 */
export const MAC_BYTES = 16;
export const CHAINS = ['rows', 'updates', 'access'] as const;
export type ChainName = (typeof CHAINS)[number];

export const LOG_KEY_FILE = 'socket-log.key';

export interface LogKeys {
  mac: Buffer;
  /** Ed25519 key that signs export manifests. */
  signing: KeyObject;
  verifying: KeyObject;
  /** Short fingerprint of the verifying key, printed in manifests. */
  keyId: string;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function deriveLogKeys(secret: string): LogKeys {
  const ikm = Buffer.from(secret, 'utf8');
  const mac = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'switchboard socket-log chain v1', 32));
  const seed = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'switchboard export manifest ed25519 v1', 32));
  const signing = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const verifying = createPublicKey(signing);
  const spki = verifying.export({ format: 'der', type: 'spki' });
  const keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
  return { mac, signing, verifying, keyId };
}

export function loadLogKeys(dataDir: string): LogKeys {
  return deriveLogKeys(readOrCreateSecret(dataDir, LOG_KEY_FILE));
}

const canon = (values: readonly unknown[]): string => JSON.stringify(values);

/**
 * HMAC over a tag, binary parts (MACs, digests) and text parts. Text parts are
 * canonical JSON (which never contains a raw NUL), joined with NUL into one
 * update: each update() crosses into native code, and this runs once per row.
 */
const hmac = (key: Buffer, tag: string, ...parts: Array<Buffer | string>): Buffer => {
  const h = createHmac('sha256', key);
  let text = tag;
  for (const p of parts) {
    if (typeof p === 'string') text += `\u0000${p}`;
    else {
      h.update(text);
      h.update(p);
      text = '\u0000';
    }
  }
  h.update(text);
  return h.digest().subarray(0, MAC_BYTES);
};

export const genesisMac = (key: Buffer, chain: ChainName): Buffer => hmac(key, 'g', chain);

/** The columns the insert MAC covers as they were written (they never change). */
export type ImmutableRow = Pick<
  Selectable<SocketLogsTable>,
  | 'id'
  | 'created_at'
  | 'event_type'
  | 'socket_id'
  | 'user_id'
  | 'user_role'
  | 'event_data'
  | 'request_data'
  | 'patient_latitude'
  | 'patient_longitude'
  | 'ip_address'
  | 'user_agent'
  | 'session_duration'
>;

/** The outcome columns updates change, chained as update records. */
export type RowState = Pick<Selectable<SocketLogsTable>, (typeof STATE_COLUMNS)[number]>;

export const STATE_COLUMNS = [
  'status',
  'response_data',
  'error_message',
  'response_time_ms',
  'hospital_id',
  'hospital_name',
  'distance_km',
  'processed',
  'processed_at',
  'version'
] as const satisfies ReadonlyArray<keyof SocketLogsTable>;

/** The canonical text of a row's outcome state (what updates change). */
export const stateCanon = (s: RowState): string =>
  canon([s.status, s.response_data, s.error_message, s.response_time_ms, s.hospital_id, s.hospital_name, s.distance_km, s.processed, s.processed_at, s.version]);

export const stateDigest = (s: RowState): Buffer => createHash('sha256').update(stateCanon(s)).digest().subarray(0, MAC_BYTES);

/**
 * One HMAC per insert over the immutable columns and the initial state's
 * canonical text (no separate digest: the hot path pays for one MAC per row).
 * The first update record of a row keeps that initial text, so verification can
 * recompute this MAC after the row has changed.
 */
export function rowMac(key: Buffer, prev: Buffer, r: ImmutableRow, initialState: string): Buffer {
  return hmac(
    key,
    'r',
    prev,
    canon([r.id, r.created_at, r.event_type, r.socket_id, r.user_id, r.user_role, r.event_data, r.request_data, r.patient_latitude, r.patient_longitude, r.ip_address, r.user_agent, r.session_duration]),
    initialState
  );
}

/** An update record as the chain covers it (every column but its own MAC). */
export type UpdateRecord = Omit<Selectable<SocketLogUpdatesTable>, 'mac'>;

export const updateMac = (key: Buffer, prev: Buffer, u: UpdateRecord): Buffer =>
  hmac(key, 'u', prev, canon([u.id, u.log_id, u.version, u.at, u.changes]), u.before_digest, u.after_digest);

/** An access record as the chain covers it (every column but its own MAC). */
export type AccessRecord = Omit<Selectable<SocketLogAccessTable>, 'mac'>;

export const accessMac = (key: Buffer, prev: Buffer, a: AccessRecord): Buffer =>
  hmac(key, 'a', prev, canon([a.id, a.at, a.actor, a.actor_role, a.channel, a.query, a.params, a.row_count]));

export interface ChainHead {
  chain: ChainName;
  head_id: number;
  head_mac: Buffer;
  anchor_id: number;
  anchor_mac: Buffer;
  record_count: number;
}

export const sealHead = (key: Buffer, h: ChainHead): Buffer =>
  hmac(key, 's', canon([h.chain, h.head_id, h.head_mac.toString('hex'), h.anchor_id, h.anchor_mac.toString('hex'), h.record_count]));

export const macEquals = (a: Buffer | null | undefined, b: Buffer): boolean => !!a && a.length === b.length && a.equals(b);
