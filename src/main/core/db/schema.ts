import type { Generated } from 'kysely';
import type { SocketLogTables } from '../log/store/tables';
import type { BridgeTables } from '../bridge/tables';
import type { HospitalsTables } from '../hospitals/hospitalsTables';
import type { AuthTables } from '../auth/authTables';
import type { AlertTables } from '../alerts/alertTables';

/** Table types, one interface per domain; the database type is their union. */
export interface OperatorsTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  created_at: string;
  disabled: Generated<number>;
}

export interface CoreTables {
  operators: OperatorsTable;
}

export type DatabaseSchema = CoreTables & BridgeTables & HospitalsTables & SocketLogTables & AuthTables & AlertTables;
