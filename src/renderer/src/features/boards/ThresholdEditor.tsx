import { useEffect, useState } from 'react';
import { UNIT_STATUSES } from '../../../../shared/cad';
import { PRIORITY_KEYS, TIMED_INCIDENT_STATUSES, type StatusThreshold, type StatusThresholds } from '../../../../shared/contract/statusThresholds';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../stores/sessionStore';
import { mayCall } from '../shell/views';
import { useThresholds } from './thresholds';

type Editable = Pick<StatusThresholds, 'incident' | 'unit'>;

function Cell({ value, onChange, readOnly, label }: { value: StatusThreshold | undefined; onChange(v: StatusThreshold | undefined): void; readOnly: boolean; label: string }) {
  const minutes = (s: number | undefined) => (s === undefined ? '' : String(Math.round((s / 60) * 10) / 10));
  const set = (key: 'warn' | 'alarm', text: string) => {
    const seconds = Math.round(Number(text) * 60);
    if (!text.trim()) return onChange(undefined);
    if (!Number.isFinite(seconds) || seconds < 5) return;
    const next = { warn: value?.warn ?? seconds, alarm: value?.alarm ?? seconds, [key]: seconds };
    onChange(next);
  };
  return (
    <td className="thresholds__cell">
      <input aria-label={`${label} amber (min)`} value={minutes(value?.warn)} readOnly={readOnly} onChange={(e) => set('warn', e.target.value)} inputMode="decimal" />
      <input aria-label={`${label} red (min)`} value={minutes(value?.alarm)} readOnly={readOnly} onChange={(e) => set('alarm', e.target.value)} inputMode="decimal" />
    </td>
  );
}

/**
 * The centre's time-in-status thresholds (minutes: amber / red), per incident
 * priority and status and per unit status. Everyone sees them; only a
 * supervisor or admin can change them, for every console at once.
 */
export function ThresholdEditor() {
  const value = useThresholds((s) => s.value);
  const save = useThresholds((s) => s.save);
  const role = useSession((s) => s.operator?.role);
  const canEdit = mayCall(role, 'dispatch.setThresholds');
  const [draft, setDraft] = useState<Editable>({ incident: value.incident, unit: value.unit });
  const [message, setMessage] = useState<string | null>(null);
  // The tables are drawn only while the section is open: closed, they cost the board nothing at load and reload.
  const [open, setOpen] = useState(false);
  useEffect(() => setDraft({ incident: value.incident, unit: value.unit }), [value]);
  const setIncident = (p: (typeof PRIORITY_KEYS)[number], status: string, t: StatusThreshold | undefined) =>
    setDraft((d) => ({ ...d, incident: { ...d.incident, [p]: { ...d.incident[p], [status]: t } } }));
  const setUnit = (status: string, t: StatusThreshold | undefined) => setDraft((d) => ({ ...d, unit: { ...d.unit, [status]: t } }));
  return (
    <details className="settings thresholds" data-testid="threshold-editor" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Time-in-status thresholds for the centre (minutes, amber / red){' '}
        <small className="muted">{value.updated_by ? `set by ${value.updated_by} ${formatDateTime(value.updated_at)}` : 'defaults'}</small>
      </summary>
      {open ? (
        <>
          <table className="board thresholds__table">
            <thead>
              <tr>
                <th>Incident</th>
                {TIMED_INCIDENT_STATUSES.map((s) => (
                  <th key={s}>{s.replace(/_/g, ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {PRIORITY_KEYS.map((p) => (
                <tr key={p}>
                  <th>P{p}</th>
                  {TIMED_INCIDENT_STATUSES.map((s) => (
                    <Cell key={s} label={`P${p} ${s}`} value={draft.incident[p]?.[s]} readOnly={!canEdit} onChange={(t) => setIncident(p, s, t)} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <table className="board thresholds__table">
            <thead>
              <tr>
                <th>Unit</th>
                {UNIT_STATUSES.map((s) => (
                  <th key={s}>{s.replace(/_/g, ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>all</th>
                {UNIT_STATUSES.map((s) => (
                  <Cell key={s} label={`unit ${s}`} value={draft.unit[s]} readOnly={!canEdit} onChange={(t) => setUnit(s, t)} />
                ))}
              </tr>
            </tbody>
          </table>
          {canEdit ? (
            <button type="button" onClick={() => void save(draft).then((err) => setMessage(err ?? 'Saved for every console.'))}>
              Save for the centre
            </button>
          ) : (
            <p className="muted">A supervisor sets these for the whole centre.</p>
          )}
          {message ? <p className="muted">{message}</p> : null}
        </>
      ) : null}
    </details>
  );
}
