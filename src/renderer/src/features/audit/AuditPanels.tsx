import { useEffect } from 'react';
import { NotAvailable } from '../../components/NotAvailable';
import { formatDateTime, formatNumber } from '../../lib/format';
import { useLog } from '../../stores/logStore';
import { valueOf } from '../../stores/remote';

export function VerifyPanel() {
  const verify = useLog((s) => s.verify);
  const runVerify = useLog((s) => s.runVerify);
  const report = valueOf(verify);
  return (
    <section className="panel" aria-label="Integrity">
      <h2>Integrity</h2>
      {verify.state === 'unavailable' ? <NotAvailable what="Integrity verification" detail={verify.message} /> : null}
      <button type="button" className="no-print" onClick={() => void runVerify()} disabled={verify.state === 'loading'}>
        {verify.state === 'loading' ? 'Verifying…' : 'Verify the log'}
      </button>
      {report ? <p className="muted">Verified {formatDateTime(new Date(verify.state === 'ok' ? verify.at : Date.now()).toISOString())}</p> : null}
      {verify.state === 'error' ? <p className="bad-text">{verify.message}</p> : null}
      {report ? (
        <div className={report.ok ? 'verify verify--ok' : 'verify verify--bad'} data-testid="verify-result" data-ok={report.ok ? '1' : '0'}>
          <strong>{report.ok ? 'Intact: every chain verifies.' : 'TAMPERING OR DAMAGE DETECTED'}</strong>
          <p>
            Checked {formatNumber(report.checked.rows)} rows, {formatNumber(report.checked.updates)} updates, {formatNumber(report.checked.access)} access entries in{' '}
            {formatNumber(report.duration_ms)} ms.
          </p>
          {report.first_bad ? (
            <p>
              First bad record: {report.first_bad.table} #{report.first_bad.id} — {report.first_bad.reason}
            </p>
          ) : null}
          {report.problems.slice(0, 5).map((p) => (
            <p key={p}>{p}</p>
          ))}
        </div>
      ) : null}
    </section>
  );
}

export function AccessLogPanel({ from, to }: { from?: string; to?: string }) {
  const access = useLog((s) => s.access);
  const loadAccess = useLog((s) => s.loadAccess);
  useEffect(() => {
    void loadAccess(from && to ? { from, to } : undefined);
  }, [loadAccess, from, to]);
  const value = valueOf(access);
  return (
    <section className="panel" aria-label="Access log">
      <h2>Who accessed the log</h2>
      {access.state === 'unavailable' || access.state === 'error' ? <NotAvailable what="The access log" detail={access.message} /> : null}
      <table className="board" data-testid="access-log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Via</th>
            <th>Query</th>
            <th>Rows</th>
          </tr>
        </thead>
        <tbody>
          {(value?.rows ?? []).slice(0, 100).map((a) => (
            <tr key={a.id}>
              <td>{formatDateTime(a.at)}</td>
              <td>
                {a.actor} <small className="muted">{a.actor_role}</small>
              </td>
              <td>{a.channel}</td>
              <td>{a.query}</td>
              <td>{formatNumber(a.row_count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
