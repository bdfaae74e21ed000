import type { Selectable } from 'kysely';
import type { SocketLogsTable } from './tables';
import { toIso, toIsoOrNull } from './time';
import type { SocketLogRecord } from '../../../../shared/contract/log';

/** Columns the API returns (everything but the chain internals). */
export const RECORD_COLUMNS = [
  'id',
  'event_type',
  'socket_id',
  'user_id',
  'user_role',
  'event_data',
  'request_data',
  'response_data',
  'patient_latitude',
  'patient_longitude',
  'hospital_id',
  'hospital_name',
  'distance_km',
  'status',
  'error_message',
  'processed',
  'created_at',
  'processed_at',
  'response_time_ms',
  'ip_address',
  'user_agent',
  'session_duration',
  'version'
] as const;

export type RecordRow = Pick<Selectable<SocketLogsTable>, (typeof RECORD_COLUMNS)[number]>;

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** A stored row in the seed's shape: ISO times, booleans, parsed JSON. */
export function toRecord(row: RecordRow): SocketLogRecord {
  return {
    id: Number(row.id),
    event_type: row.event_type,
    socket_id: row.socket_id,
    user_id: row.user_id,
    user_role: row.user_role,
    event_data: parseJson(row.event_data),
    request_data: parseJson(row.request_data),
    response_data: parseJson(row.response_data),
    patient_latitude: row.patient_latitude,
    patient_longitude: row.patient_longitude,
    hospital_id: row.hospital_id,
    hospital_name: row.hospital_name,
    distance_km: row.distance_km,
    status: row.status as SocketLogRecord['status'],
    error_message: row.error_message,
    processed: Boolean(row.processed),
    created_at: toIso(Number(row.created_at)),
    processed_at: toIsoOrNull(row.processed_at),
    response_time_ms: row.response_time_ms,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    session_duration: row.session_duration,
    version: Number(row.version)
  };
}
