/** Table types of the durable alerts (migration 008_alerts). */
export interface AlertsTable {
  id: string;
  key: string;
  raised_at: string;
  cleared_at: string | null;
  /** The whole alert as JSON (shared/contract/alerts AlertSchema), receipts included. */
  body: string;
}

export interface AlertTables {
  alerts: AlertsTable;
}
