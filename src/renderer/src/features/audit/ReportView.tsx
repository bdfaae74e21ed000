import { useEffect, useState } from 'react';
import type { SocketLogRecord } from '../../../../shared/contract/log';
import { Loading, NotAvailable } from '../../components/NotAvailable';
import { formatDateTime, formatNumber } from '../../lib/format';
import { useLog } from '../../stores/logStore';
import { valueOf } from '../../stores/remote';
import { useSession } from '../../stores/sessionStore';
import { RangePicker, StatisticsCharts, StatisticsSummary } from '../statistics/StatisticsView';
import { AccessLogPanel, VerifyPanel } from './AuditPanels';
import { saveReportPdf } from '../../lib/desktop';

/** "Europe/Berlin, UTC+01:00": every time in the report is local, so the report says which local. */
export function timezoneLabel(at = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${zone}, UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function RowsTable({ rows, testId }: { rows: SocketLogRecord[]; testId: string }) {
  if (!rows.length) return <p className="muted">None in this range.</p>;
  return (
    <table className="board" data-testid={testId}>
      <thead>
        <tr>
          <th>ID</th>
          <th>Time</th>
          <th>Event</th>
          <th>User</th>
          <th>Hospital</th>
          <th>Resp. ms</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            <td>{r.id}</td>
            <td>{formatDateTime(r.created_at)}</td>
            <td>{r.event_type}</td>
            <td>{r.user_id ?? '—'}</td>
            <td>{r.hospital_name ?? '—'}</td>
            <td>{r.response_time_ms === null ? '—' : formatNumber(r.response_time_ms)}</td>
            <td>{r.error_message ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A printable audit report of a time range for supervisors. The browser's
 * "Print / Save as PDF" (window.print) uses the print stylesheet; Electron can
 * produce the same PDF with webContents.printToPDF.
 */
export function ReportView() {
  const { report, loadReport, range, customFrom, customTo, verify, runVerify } = useLog();
  const operator = useSession((s) => s.operator);
  useEffect(() => {
    void loadReport();
  }, [loadReport, range, customFrom, customTo]);
  // The report carries the integrity result of the log it summarises.
  useEffect(() => {
    if (verify.state === 'idle') void runVerify();
  }, [verify.state, runVerify]);
  const data = valueOf(report);
  const canSeeAccess = operator?.role === 'admin' || operator?.role === 'auditor';
  const [pdfNote, setPdfNote] = useState<string | null>(null);
  return (
    <article className="report" aria-label="Audit report" data-testid="audit-report" data-ready={report.state === 'ok' ? '1' : '0'}>
      <div className="no-print">
        <RangePicker />
        <button type="button" onClick={() => void saveReportPdf(`switchboard-report-${new Date().toISOString().slice(0, 10)}.pdf`).then(setPdfNote)}>
          Print / Save as PDF
        </button>
        {pdfNote ? <span role="status">{pdfNote}</span> : null}
      </div>
      <header className="report__head">
        <h1>Switchboard audit report</h1>
        <p>
          {data ? `${formatDateTime(data.from)} — ${formatDateTime(data.to)}` : ''} · prepared by {operator?.username} ({operator?.role}) on {formatDateTime(new Date().toISOString())}
        </p>
        <p data-testid="report-timezone">All times in {timezoneLabel()}.</p>
      </header>
      {report.state === 'unavailable' || report.state === 'error' ? <NotAvailable what="The audit report" detail={report.message} /> : null}
      {report.state === 'loading' ? <Loading what="the report" /> : null}
      <h2>Summary</h2>
      <StatisticsSummary />
      <h2>Over time</h2>
      <StatisticsCharts />
      <h2>Failed requests {data ? <small>({formatNumber(data.failedTotal)} in range, latest 50 listed)</small> : null}</h2>
      {data ? <RowsTable rows={data.failed} testId="report-failed" /> : null}
      <h2>Slow ambulance requests {data ? <small>(over {formatNumber(data.slowThresholdMs)} ms)</small> : null}</h2>
      {data ? <RowsTable rows={data.slow} testId="report-slow" /> : null}
      <VerifyPanel />
      {canSeeAccess && data ? <AccessLogPanel from={data.from} to={data.to} /> : null}
    </article>
  );
}
