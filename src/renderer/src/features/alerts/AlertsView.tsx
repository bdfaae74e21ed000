import { useEffect, useState } from 'react';
import { ALERT_KINDS, type Alert } from '../../../../shared/contract/alerts';
import { NotAvailable } from '../../components/NotAvailable';
import { useNow } from '../../components/useNow';
import { formatAge, formatClock } from '../../lib/format';
import { selectVisibleAlerts, useAlerts } from '../../stores/alertsStore';

function AlertRow({ alert }: { alert: Alert }) {
  const now = useNow();
  const acknowledge = useAlerts((s) => s.acknowledge);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const overdue = !alert.acknowledged_at && !alert.cleared_at && (alert.escalated || (alert.deadline_at !== null && Date.parse(alert.deadline_at) < now));
  const state = alert.cleared_at ? 'resolved' : alert.acknowledged_at ? 'acknowledged' : 'open';
  const ack = async () => {
    setBusy(true);
    setError(await acknowledge(alert.id));
    setBusy(false);
  };
  return (
    <li className={`alert alert--${alert.severity} alert--${state}${overdue ? ' alert--escalated' : ''}`} data-alert={alert.id} data-state={state} data-kind={alert.kind}>
      <div className="alert__sev">{alert.severity}</div>
      <div className="alert__body">
        <div className="alert__title">
          {alert.title} {overdue ? <span className="alert__overdue">ESCALATED</span> : null}
        </div>
        <div className="alert__message">{alert.message}</div>
        <div className="alert__meta">
          {alert.kind.replace('_', ' ')} · {alert.source} · raised {formatClock(alert.raised_at)} ({formatAge(now - Date.parse(alert.raised_at))} ago)
          {alert.patient_id ? ` · patient ${alert.patient_id}` : ''}
          {alert.acknowledged_at ? ` · acknowledged by ${alert.acknowledged_by} at ${formatClock(alert.acknowledged_at)}` : ''}
          {alert.cleared_at ? ` · resolved ${formatClock(alert.cleared_at)}` : ''}
        </div>
        {alert.receipts.length ? (
          <details className="alert__receipts">
            <summary>Receipt trail</summary>
            <ol>
              {alert.receipts.map((r, i) => (
                <li key={`${r.step}-${i}`}>
                  {r.step} {formatClock(r.at)}
                  {r.by ? ` · ${r.by}` : ''}
                </li>
              ))}
            </ol>
          </details>
        ) : null}
        {error ? <div className="bad-text">{error}</div> : null}
      </div>
      {state === 'open' ? (
        <button type="button" className="alert__ack" onClick={() => void ack()} disabled={busy}>
          Acknowledge
        </button>
      ) : null}
    </li>
  );
}

export function AlertsView() {
  const { byId, filter, setFilter, available, error, markAllRead } = useAlerts();
  const visible = selectVisibleAlerts({ byId, filter });
  // Showing the list is what "read" means: receipts go back to the core.
  useEffect(() => markAllRead(), [byId, markAllRead]);
  if (!available) return <NotAvailable what="Alerts" detail={error ?? undefined} />;
  return (
    <section className="alerts-view" aria-label="Alerts">
      <div className="toolbar">
        <label>
          Severity
          <select value={filter.severity} onChange={(e) => setFilter({ severity: e.target.value as typeof filter.severity })}>
            <option value="all">All</option>
            <option value="critical">Critical</option>
            <option value="warning">Warning</option>
            <option value="info">Info</option>
          </select>
        </label>
        <label>
          Kind
          <select value={filter.kind} onChange={(e) => setFilter({ kind: e.target.value as typeof filter.kind })}>
            <option value="all">All</option>
            {ALERT_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Show
          <select value={filter.show} onChange={(e) => setFilter({ show: e.target.value as typeof filter.show })}>
            <option value="open">Open</option>
            <option value="unacknowledged">Unacknowledged</option>
            <option value="all">All, with resolved</option>
          </select>
        </label>
      </div>
      {visible.length === 0 ? <p className="calm">No alerts. All quiet.</p> : null}
      <ul className="alert-list" data-testid="alert-list">
        {visible.map((a) => (
          <AlertRow key={a.id} alert={a} />
        ))}
      </ul>
    </section>
  );
}
