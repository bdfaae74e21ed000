import type { z } from 'zod';
import type { CoreContext } from '../coreContext';
import type { CallContext } from '../contract/registry';
import type { SocketLogWriter } from '../log/types';

interface SettingRow {
  value: string;
  updated_by: string | null;
  updated_at: string;
}

/** A setting's value with who changed it last and when (null: never changed, the defaults). */
type Stamp = { updated_by: string | null; updated_at: string | null };

export interface CentreSetting<S extends Stamp> {
  current(): S;
  /** Stores a value already parsed by the method's schema, writes the change to the socket log, and returns it stamped. */
  save(value: Omit<S, keyof Stamp>, call: CallContext): Promise<S>;
}

/**
 * One centre-wide setting in `centre_settings` (migration 007): a JSON value
 * per key with who changed it last. Every change is a `settings_changed` row in
 * the socket log (the audit trail). A stored value this build cannot read (a
 * downgrade) is logged and replaced by the defaults rather than failing every console.
 */
export function centreSetting<S extends Stamp>(
  ctx: Pick<CoreContext, 'database' | 'logger'>,
  log: SocketLogWriter,
  key: string,
  spec: { schema: z.ZodType<S>; defaults: S }
): CentreSetting<S> {
  const { sqlite } = ctx.database;
  const read = sqlite.prepare<[string], SettingRow>('SELECT value, updated_by, updated_at FROM centre_settings WHERE key = ?');
  const write = sqlite.prepare<[string, string, string | null, string]>(
    'INSERT INTO centre_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at'
  );
  return {
    current() {
      const row = read.get(key);
      if (!row) return spec.defaults;
      const parsed = spec.schema.safeParse({ ...(JSON.parse(row.value) as object), updated_by: row.updated_by, updated_at: row.updated_at });
      if (parsed.success) return parsed.data;
      ctx.logger.warn({ setting: key, issues: parsed.error.issues.slice(0, 3) }, 'stored centre setting unreadable; using the defaults');
      return spec.defaults;
    },
    async save(value, call) {
      const by = call.operator?.username ?? null;
      const at = new Date().toISOString();
      write.run(key, JSON.stringify(value), by, at);
      await log.createSocketLog({
        eventType: 'settings_changed',
        socketId: 'console',
        userId: by,
        userRole: call.operator?.role ?? null,
        eventData: { setting: key, value },
        status: 'success',
        processed: true
      });
      return { ...value, updated_by: by, updated_at: at } as S;
    }
  };
}
