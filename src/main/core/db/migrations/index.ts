import type { Migration } from 'kysely';
import { m001Operators } from './001_operators';
import { m002SocketLog } from './002_socket_log';
import { m003Hub } from './003_hub';
import { m004Bridge } from './004_bridge';
import { m005UserIndex } from './005_user_index';
import { m006ClientEventIds } from './006_client_event_ids';
import { m007CentreSettings } from './007_centre_settings';
import { m008Alerts } from './008_alerts';
import { m009Revocations } from './009_revocations';
import { m010HospitalIndexPartial } from './010_hospital_index_partial';

/**
 * Append-only. A static map because bundlers cannot discover migration files on
 * disk. Never edit a shipped migration: add the next number.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_operators': m001Operators,
  '002_socket_log': m002SocketLog,
  '003_hub': m003Hub,
  '004_bridge': m004Bridge,
  '005_user_index': m005UserIndex,
  '006_client_event_ids': m006ClientEventIds,
  '007_centre_settings': m007CentreSettings,
  '008_alerts': m008Alerts,
  '009_revocations': m009Revocations,
  '010_hospital_index_partial': m010HospitalIndexPartial
};
