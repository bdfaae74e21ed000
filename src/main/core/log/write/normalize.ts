import type { Selectable } from 'kysely';
import type { SocketLogsTable } from '../store/tables';
import { EVENT_TYPE_PATTERN } from '../../../../shared/contract/log';
import { AppError } from '../../errors';
import { scrubJson, scrubText, type ValueScrubber } from './scrub';
import type { NewSocketLog, SocketLogStatus, SocketLogUpdate } from '../types';

/** Largest JSON kept per data column; bigger payloads are stored truncated, flagged as such. */
export const MAX_DATA_CHARS = 64 * 1024;
const STATUSES: readonly SocketLogStatus[] = ['pending', 'success', 'failed'];

const invalid = (message: string) => new AppError('VALIDATION_FAILED', `Socket log entry rejected: ${message}`);

/**
 * Cuts to `max` and replaces lone surrogates (hostile input, or a pair split by
 * the cut): SQLite stores text as UTF-8, so a lone surrogate would come back as
 * U+FFFD and the row would no longer match the MAC computed over what we wrote.
 */
const storable = (value: string, max: number): string => (value.length > max ? value.slice(0, max) : value).toWellFormed();

const text = (value: unknown, name: string, max: number, known: ValueScrubber): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return scrubText(storable(value, max), known);
};

const num = (value: unknown, name: string, min: number, max: number): number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`${name} must be a number between ${min} and ${max}`);
  }
  return value;
};

const int = (value: unknown, name: string): number | null => {
  const n = num(value, name, 0, Number.MAX_SAFE_INTEGER);
  return n === null ? null : Math.round(n);
};

const status = (value: unknown): SocketLogStatus | undefined => {
  if (value === undefined) return undefined;
  if (!STATUSES.includes(value as SocketLogStatus)) throw invalid('status must be pending, success or failed');
  return value as SocketLogStatus;
};

/** A row ready for the prepared insert (id and MAC are added inside the transaction). */
export type PendingRow = Omit<Selectable<SocketLogsTable>, 'id' | 'version' | 'mac' | 'status'> & { status: SocketLogStatus };

/**
 * Checks and cleans an entry from the hub or the bridge before it is queued, so
 * one bad entry is refused on its own instead of failing a whole group commit.
 * Secrets are scrubbed here: nothing secret ever reaches a statement.
 */
export function normalizeEntry(entry: NewSocketLog, known: ValueScrubber, now: number): PendingRow {
  if (!entry || typeof entry !== 'object') throw invalid('entry must be an object');
  if (typeof entry.eventType !== 'string' || !EVENT_TYPE_PATTERN.test(entry.eventType)) {
    throw invalid('eventType must be 1-64 letters, digits, "_", ".", ":" or "-"');
  }
  if (typeof entry.socketId !== 'string' || entry.socketId.length === 0) throw invalid('socketId is required');
  const rowStatus = status(entry.status) ?? 'pending';
  // Same rule as updates: a row that already has an outcome is processed.
  const processed = entry.processed === true || rowStatus !== 'pending';
  return {
    created_at: now,
    event_type: entry.eventType,
    socket_id: storable(entry.socketId, 128),
    user_id: text(entry.userId, 'userId', 128, known),
    user_role: text(entry.userRole, 'userRole', 32, known),
    event_data: scrubJson(entry.eventData, known, MAX_DATA_CHARS),
    request_data: scrubJson(entry.requestData, known, MAX_DATA_CHARS),
    response_data: scrubJson(entry.responseData, known, MAX_DATA_CHARS),
    patient_latitude: num(entry.patientLatitude, 'patientLatitude', -90, 90),
    patient_longitude: num(entry.patientLongitude, 'patientLongitude', -180, 180),
    hospital_id: text(entry.hospitalId, 'hospitalId', 128, known),
    hospital_name: text(entry.hospitalName, 'hospitalName', 256, known),
    distance_km: num(entry.distanceKm, 'distanceKm', 0, 40_075),
    status: rowStatus,
    error_message: text(entry.errorMessage, 'errorMessage', 2000, known),
    processed: processed ? 1 : 0,
    processed_at: processed ? now : null,
    response_time_ms: int(entry.responseTimeMs, 'responseTimeMs'),
    ip_address: text(entry.ipAddress, 'ipAddress', 64, known),
    user_agent: text(entry.userAgent, 'userAgent', 512, known),
    session_duration: int(entry.sessionDuration, 'sessionDuration')
  };
}

/** The columns an update sets, cleaned; only keys present in the update appear. */
export interface PendingUpdate {
  status?: SocketLogStatus;
  response_data?: string | null;
  error_message?: string | null;
  response_time_ms?: number | null;
  hospital_id?: string | null;
  hospital_name?: string | null;
  distance_km?: number | null;
  processed?: number;
}

export function normalizeUpdate(id: unknown, update: SocketLogUpdate, known: ValueScrubber): PendingUpdate {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw invalid('id must be a positive integer');
  if (!update || typeof update !== 'object') throw invalid('update must be an object');
  const out: PendingUpdate = {};
  const has = (k: keyof SocketLogUpdate) => Object.prototype.hasOwnProperty.call(update, k) && update[k] !== undefined;
  if (has('status')) out.status = status(update.status);
  if (has('responseData')) out.response_data = scrubJson(update.responseData, known, MAX_DATA_CHARS);
  if (has('errorMessage')) out.error_message = text(update.errorMessage, 'errorMessage', 2000, known);
  if (has('responseTimeMs')) out.response_time_ms = int(update.responseTimeMs, 'responseTimeMs');
  if (has('hospitalId')) out.hospital_id = text(update.hospitalId, 'hospitalId', 128, known);
  if (has('hospitalName')) out.hospital_name = text(update.hospitalName, 'hospitalName', 256, known);
  if (has('distanceKm')) out.distance_km = num(update.distanceKm, 'distanceKm', 0, 40_075);
  if (has('processed')) out.processed = update.processed ? 1 : 0;
  if (Object.keys(out).length === 0) throw invalid('update sets nothing');
  return out;
}
