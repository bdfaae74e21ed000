import { useState } from 'react';
import type { MethodOutput } from '../../../../shared/contract';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../stores/sessionStore';
import { api } from '../../lib/api';
import { timezoneLabel } from '../audit/ReportView';

type ReportAnswer = MethodOutput<'incident.report'>;

/** Saves text as a file through the browser (the report and its evidence, for `switchboard verify --export`). */
function download(name: string, text: string, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

const seconds = (s: number | null) => (s === null ? '—' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);

/**
 * An incident's whole story from the log, printable (Print / Save as PDF, like
 * the audit report) and as JSON with its signed evidence.
 */
export function IncidentReportView() {
  const operator = useSession((s) => s.operator);
  const [id, setId] = useState('');
  const [answer, setAnswer] = useState<ReportAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = async () => {
    setLoading(true);
    setError(null);
    const result = await api.call('incident.report', { incident_id: id.trim() });
    setLoading(false);
    if (result.ok) setAnswer(result.value);
    else setError(result.error.message);
  };
  const report = answer?.report;
  return (
    <article className="report incident-report" aria-label="Incident report" data-testid="incident-report" data-ready={report ? '1' : '0'}>
      <form
        className="no-print replay-controls"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          Incident <input value={id} onChange={(e) => setId(e.target.value)} placeholder="INC-000123" data-testid="incident-report-id" />
        </label>
        <button type="submit" disabled={!id.trim() || loading} data-testid="incident-report-go">
          {loading ? 'Reading the log…' : 'Report'}
        </button>
        {report ? (
          <>
            <button type="button" onClick={() => window.print()}>
              Print / Save as PDF
            </button>
            <button type="button" onClick={() => download(`${report.incident_id}.json`, JSON.stringify(report, null, 2))}>
              Save JSON
            </button>
            <button
              type="button"
              onClick={() => {
                download(`${report.incident_id}.evidence.ndjson`, answer!.evidence_ndjson, 'application/x-ndjson');
                download(`${report.incident_id}.evidence.ndjson.manifest.json`, JSON.stringify(report.evidence.manifest, null, 2));
              }}
            >
              Save evidence + manifest
            </button>
          </>
        ) : null}
        {error ? <span className="replay-error">{error}</span> : null}
      </form>
      {report ? (
        <>
          <header className="report__head">
            <h1>
              Incident {report.incident_id}
              {report.incident ? `: P${report.incident.priority} ${report.incident.type}` : ''}
            </h1>
            <p>
              {report.incident?.address} · prepared by {operator?.username} ({operator?.role}) on {formatDateTime(report.generated_at)} · all times in {timezoneLabel()}
            </p>
          </header>
          <p className={report.chain.ok ? 'verify--ok' : 'verify--bad replay-chain-broken'} data-testid="incident-report-chain">
            {report.chain.ok
              ? `Log chain verified over rows ${report.chain.from_id}–${report.chain.to_id} (${report.chain.checked} rows).`
              : `CHAIN BROKEN: ${report.chain.first_bad?.reason ?? 'the rows do not verify'}.`}
          </p>
          <h2>Times (NEMSIS eTimes)</h2>
          <table className="board" data-testid="incident-report-times">
            <tbody>
              {report.times.map((t) => (
                <tr key={t.name}>
                  <td>{t.etimes ?? ''}</td>
                  <td>{t.name.replace(/_/g, ' ')}</td>
                  <td>{formatDateTime(t.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Intervals against the centre&apos;s thresholds</h2>
          <table className="board" data-testid="incident-report-intervals">
            <thead>
              <tr>
                <th>Interval</th>
                <th>Took</th>
                <th>Amber / red after</th>
                <th>Verdict</th>
              </tr>
            </thead>
            <tbody>
              {report.intervals.map((i) => (
                <tr key={i.name} className={i.verdict ? `interval--${i.verdict}` : undefined}>
                  <td>{i.name}</td>
                  <td>{seconds(i.seconds)}</td>
                  <td>
                    {seconds(i.warn_seconds)} / {seconds(i.alarm_seconds)}
                  </td>
                  <td>{i.verdict ?? 'not reached'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Who did what, when</h2>
          <table className="board" data-testid="incident-report-steps">
            <tbody>
              {report.steps.map((s, i) => (
                <tr key={`${s.log_id}-${i}`}>
                  <td>{formatDateTime(s.at)}</td>
                  <td>{s.what}</td>
                  <td>{s.by ?? ''}</td>
                  <td className="muted">row {s.log_id}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Units considered at each decision</h2>
          {report.decisions.map((d) => (
            <p key={`${d.at}-${d.assigned}`}>
              {formatDateTime(d.at)}: <strong>{d.assigned}</strong> assigned; the console offered{' '}
              {d.considered.map((c) => `${c.call_sign} (${c.distance_km.toFixed(1)} km, ${c.run_card.replace(/_/g, ' ')})`).join(', ') || 'no available unit'}.
            </p>
          ))}
          <h2>Hospital offers and answers</h2>
          {report.hospital.length ? (
            report.hospital.map((h) => (
              <p key={h.log_id}>
                {formatDateTime(h.at)}: {h.what}
                {h.hospital && !h.what.includes(h.hospital) ? ` — ${h.hospital}` : ''}
              </p>
            ))
          ) : (
            <p className="muted">No hospital offer or answer in the log for this incident (an ambulance request shows here once it is linked to the incident).</p>
          )}
          <h2>Evidence</h2>
          <p>
            {report.evidence.rows} log rows ({report.evidence.first_id}–{report.evidence.last_id}), manifest signed by key {report.evidence.manifest.key_id}. Check offline:{' '}
            <code>switchboard verify --export {report.incident_id}.evidence.ndjson</code>
          </p>
        </>
      ) : null}
    </article>
  );
}
