import type Sqlite from 'better-sqlite3';

/** A setting as stored: its JSON value and who changed it last. */
export interface StoredSetting {
  value: string;
  updated_by: string | null;
  updated_at: string;
}

/**
 * Where centre-wide settings are kept: the node's SQLite (one node, the
 * default) or the cluster's PostgreSQL (cluster/pgCentreSettingRows.ts), where
 * a change on one node must reach every node at once.
 */
export interface CentreSettingRows {
  read(key: string): Promise<StoredSetting | null>;
  /** Stores the row (and, in a cluster, tells the other nodes which key changed). */
  write(key: string, row: StoredSetting): Promise<void>;
  /**
   * Calls `onChanged(key)` when another node changed a setting, and
   * `onChanged(null)` when any may have changed unseen (a dropped connection,
   * a periodic re-check): re-read them all. One node has nobody to follow.
   * Returns the stop function.
   */
  follow(onChanged: (key: string | null) => void): Promise<() => Promise<void>>;
}

export function sqliteCentreSettingRows(sqlite: Sqlite.Database): CentreSettingRows {
  const read = sqlite.prepare<[string], StoredSetting>('SELECT value, updated_by, updated_at FROM centre_settings WHERE key = ?');
  const write = sqlite.prepare<[string, string, string | null, string]>(
    'INSERT INTO centre_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at'
  );
  return {
    read: async (key) => read.get(key) ?? null,
    async write(key, row) {
      write.run(key, row.value, row.updated_by, row.updated_at);
    },
    follow: async () => async () => undefined
  };
}
