import { useCallback, useEffect } from 'react';
import type { SocketLogRecord } from '../../../../shared/contract/log';
import { NotAvailable } from '../../components/NotAvailable';
import { VirtualTable, type Column } from '../../components/VirtualTable';
import { formatDateTime, formatNumber } from '../../lib/format';
import { useLog } from '../../stores/logStore';
import { useSession } from '../../stores/sessionStore';
import { AccessLogPanel, VerifyPanel } from './AuditPanels';

// Widths sum to under 1,000 px: with the row detail beside it the table fits a 1600 px screen without scrolling sideways.
export const LOG_COLUMNS: Column<SocketLogRecord>[] = [
  { key: 'id', title: 'ID', width: 70, render: (r) => r.id },
  { key: 'created_at', title: 'Time', width: 165, render: (r) => formatDateTime(r.created_at) },
  { key: 'event_type', title: 'Event', width: 165, render: (r) => r.event_type },
  { key: 'status', title: 'Status', width: 75, render: (r) => <span className={`log-status log-status--${r.status}`}>{r.status}</span> },
  { key: 'user', title: 'User', width: 115, render: (r) => r.user_id ?? '—' },
  { key: 'role', title: 'Role', width: 85, render: (r) => r.user_role ?? '—' },
  { key: 'hospital', title: 'Hospital', width: 115, render: (r) => r.hospital_name ?? r.hospital_id ?? '—' },
  { key: 'rt', title: 'Resp. ms', width: 80, render: (r) => (r.response_time_ms === null ? '—' : formatNumber(r.response_time_ms)) },
  { key: 'error', title: 'Error', width: 140, render: (r) => r.error_message ?? '' }
];

function RowDetail() {
  const index = useLog((s) => s.selectedIndex);
  const row = useLog((s) => (index === null ? undefined : s.rows.get(index)));
  if (!row) return <aside className="details details--empty">Select a row to see everything it recorded.</aside>;
  return (
    <aside className="details" data-testid="log-row-detail">
      <h2>
        #{row.id} {row.event_type}
      </h2>
      <pre className="json">{JSON.stringify(row, null, 2)}</pre>
    </aside>
  );
}

function ExportBar() {
  const progress = useLog((s) => s.exportProgress);
  const exportRows = useLog((s) => s.exportRows);
  const total = useLog((s) => s.total);
  const pct = progress && progress.total ? Math.min(100, (progress.done / progress.total) * 100) : progress?.state === 'done' ? 100 : 0;
  return (
    <div className="export">
      <button type="button" onClick={() => void exportRows('csv')} disabled={progress?.state === 'running' || !total}>
        Export CSV
      </button>
      <button type="button" onClick={() => void exportRows('ndjson')} disabled={progress?.state === 'running' || !total}>
        Export NDJSON
      </button>
      {progress ? (
        <div className={`progress progress--${progress.state}`} data-testid="export-progress" data-state={progress.state}>
          <progress max={100} value={pct} aria-label="Export progress" />
          <span>
            {progress.state === 'failed' ? progress.message : `${formatNumber(progress.done)}${progress.total ? ` / ${formatNumber(progress.total)}` : ''} rows ${progress.state === 'done' ? `— saved ${progress.filename ?? ''}` : ''}`}
          </span>
        </div>
      ) : null}
    </div>
  );
}

export function AuditView() {
  const { filter, setFilter, runQuery, total, totalCapped, query, rows, ensureRows, selectIndex, selectedIndex, matchedTypes } = useLog();
  const role = useSession((s) => s.operator?.role);
  useEffect(() => {
    if (query.state === 'idle') void runQuery();
  }, [query.state, runQuery]);
  const rowAt = useCallback((i: number) => rows.get(i), [rows]);
  const onVisible = useCallback((start: number, end: number) => ensureRows(start, end), [ensureRows]);
  if (query.state === 'unavailable') return <NotAvailable what="The socket log explorer" detail={query.message} />;
  return (
    <section className="audit-view" aria-label="Audit">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void runQuery();
        }}
      >
        <input aria-label="Event type" placeholder="event type contains…" value={filter.eventType} onChange={(e) => setFilter({ eventType: e.target.value })} />
        <select aria-label="Status" value={filter.status} onChange={(e) => setFilter({ status: e.target.value as typeof filter.status })}>
          <option value="">any status</option>
          <option value="success">success</option>
          <option value="failed">failed</option>
          <option value="pending">pending</option>
        </select>
        <input aria-label="User" placeholder="user id" value={filter.userId} onChange={(e) => setFilter({ userId: e.target.value })} />
        <input aria-label="From" type="datetime-local" value={filter.from} onChange={(e) => setFilter({ from: e.target.value })} />
        <input aria-label="To" type="datetime-local" value={filter.to} onChange={(e) => setFilter({ to: e.target.value })} />
        <button type="submit">Apply filters</button>
        <span className="muted" data-testid="log-total">
          {total === null ? 'loading…' : `${formatNumber(total)}${totalCapped ? '+' : ''} rows`}
        </span>
      </form>
      {query.state === 'error' ? <p className="bad-text">{query.message}</p> : null}
      {matchedTypes ? (
        <p className="muted audit-matched" data-testid="log-matched-types">
          Event types containing “{filter.eventType.trim()}”: {matchedTypes.join(', ')}
        </p>
      ) : null}
      <ExportBar />
      <div className="audit-main">
        <VirtualTable
          label="Socket log"
          columns={LOG_COLUMNS}
          rowCount={total ?? 0}
          rowAt={rowAt}
          onVisibleRange={onVisible}
          onSelect={(_row, i) => selectIndex(i)}
          selectedIndex={selectedIndex}
          height={460}
        />
        <RowDetail />
      </div>
      <div className="health-grid">
        <VerifyPanel />
        {role === 'admin' || role === 'auditor' ? <AccessLogPanel /> : null}
      </div>
    </section>
  );
}
