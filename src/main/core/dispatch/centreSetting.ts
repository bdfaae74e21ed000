import type { z } from 'zod';
import type { CoreContext } from '../coreContext';
import type { CallContext } from '../contract/registry';
import type { SocketLogWriter } from '../log/types';
import { sqliteCentreSettingRows, type CentreSettingRows, type StoredSetting } from './centreSettingRows';

/** A setting's value with who changed it last and when (null: never changed, the defaults). */
type Stamp = { updated_by: string | null; updated_at: string | null };

export interface CentreSetting<S extends Stamp> {
  current(): S;
  /** Stores a value already parsed by the method's schema, writes the change to the socket log, and returns it stamped. */
  save(value: Omit<S, keyof Stamp>, call: CallContext): Promise<S>;
  /** Reads the stored value again (another node may have changed it); `onChange` hears of a difference. */
  reload(): Promise<void>;
}

/** The node's SQLite, or the cluster's PostgreSQL in cluster mode. */
export function centreSettingRowsFor(ctx: Pick<CoreContext, 'clusterState' | 'database'>): CentreSettingRows {
  return ctx.clusterState?.centreSettingRows ?? sqliteCentreSettingRows(ctx.database.sqlite);
}

/**
 * One centre-wide setting in `centre_settings` (SQLite migration 007,
 * PostgreSQL 006): a JSON value per key with who changed it last. Every change
 * is a `settings_changed` row in the socket log (the audit trail). The value is
 * held in memory (suggestions read it per call) and read again when another
 * node changed it; `onChange` hears of every new value, saved here or read
 * back. A stored value this build cannot read (a downgrade) is logged and
 * replaced by the defaults rather than failing every console.
 */
export async function centreSetting<S extends Stamp>(
  ctx: Pick<CoreContext, 'logger'>,
  log: SocketLogWriter,
  rows: CentreSettingRows,
  key: string,
  spec: { schema: z.ZodType<S>; defaults: S; onChange(next: S): void }
): Promise<CentreSetting<S>> {
  const parse = (row: StoredSetting | null): S => {
    if (!row) return spec.defaults;
    const parsed = spec.schema.safeParse({ ...(JSON.parse(row.value) as object), updated_by: row.updated_by, updated_at: row.updated_at });
    if (parsed.success) return parsed.data;
    ctx.logger.warn({ setting: key, issues: parsed.error.issues.slice(0, 3) }, 'stored centre setting unreadable; using the defaults');
    return spec.defaults;
  };
  let current = parse(await rows.read(key));
  // Saves and reloads take turns, so a reload that read before a save cannot put the older value back after it.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(step: () => Promise<T>): Promise<T> => {
    const next = turn.then(step);
    turn = next.catch(() => undefined);
    return next;
  };
  return {
    current: () => current,
    save: (value, call) =>
      inTurn(async () => {
        const by = call.operator?.username ?? null;
        const at = new Date().toISOString();
        await rows.write(key, { value: JSON.stringify(value), updated_by: by, updated_at: at });
        current = { ...value, updated_by: by, updated_at: at } as S;
        await log.createSocketLog({
          eventType: 'settings_changed',
          socketId: 'console',
          userId: by,
          userRole: call.operator?.role ?? null,
          eventData: { setting: key, value },
          status: 'success',
          processed: true
        });
        spec.onChange(current);
        return current;
      }),
    reload: () =>
      inTurn(async () => {
        const next = parse(await rows.read(key));
        if (JSON.stringify(next) === JSON.stringify(current)) return;
        current = next;
        spec.onChange(current);
      })
  };
}

/** Re-reads the settings other nodes change (cluster mode; one node has nobody to follow). */
export async function followCentreSettings(
  ctx: Pick<CoreContext, 'logger' | 'onClose'>,
  rows: CentreSettingRows,
  settings: ReadonlyMap<string, Pick<CentreSetting<Stamp>, 'reload'>>
): Promise<void> {
  const stop = await rows.follow((key) => {
    const changed = key === null ? [...settings.values()] : [settings.get(key)].filter((s) => s !== undefined);
    for (const setting of changed) {
      setting.reload().catch((err: unknown) => ctx.logger.warn({ err, setting: key }, 'could not re-read a centre setting another node changed; the next check retries'));
    }
  });
  ctx.onClose(stop);
}
