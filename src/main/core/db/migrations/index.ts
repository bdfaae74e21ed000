import type { Migration } from 'kysely';
import { m001Operators } from './001_operators';

/**
 * Append-only. A static map because bundlers cannot discover migration files on
 * disk. Never edit a shipped migration: add the next number.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_operators': m001Operators
};
