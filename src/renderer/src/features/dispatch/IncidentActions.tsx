import { useEffect, useState } from 'react';
import type { IncidentActivity } from '../../../../shared/contract/dispatch';
import { api } from '../../lib/api';
import { formatClock } from '../../lib/format';
import type { IncidentView } from '../../stores/dispatchModel';

/**
 * An incident's activity log (from the core, refreshed whenever the incident
 * changes), a call-note box, and close / cancel. Everything goes to the CAD
 * through the outbox; the incident changes when the CAD confirms.
 */
export function IncidentActions({ incident, canAct }: { incident: IncidentView; canAct: boolean }) {
  const [activity, setActivity] = useState<IncidentActivity[] | null>(null);
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // The incident object changes with every CAD event about it: that is when the log grows.
  useEffect(() => {
    let live = true;
    void api.call('dispatch.incidentActivity', { incident_id: incident.id }).then((r) => live && setActivity(r.ok ? r.value : []));
    return () => {
      live = false;
    };
  }, [incident]);
  const answer = (ok: boolean, text: string) => setMessage({ ok, text });
  const addNote = async () => {
    if (!note.trim()) return;
    const result = await api.call('dispatch.addNote', { incident_id: incident.id, text: note.trim() });
    if (result.ok) setNote('');
    answer(result.ok, result.ok ? 'Note sent to the CAD.' : result.error.message);
  };
  const setStatus = async (status: 'closed' | 'cancelled') => {
    const result = await api.call('bridge.updateIncidentStatus', { incident_id: incident.id, status });
    answer(result.ok, result.ok ? `${status === 'closed' ? 'Close' : 'Cancel'} sent to the CAD.` : result.error.message);
  };
  return (
    <div className="incident-actions">
      {canAct ? (
        <>
          <form
            className="incident-actions__note"
            onSubmit={(e) => {
              e.preventDefault();
              void addNote();
            }}
          >
            <input aria-label="Call note" placeholder="Add a call note…" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
            <button type="submit" disabled={!note.trim()}>
              Add note
            </button>
          </form>
          <div className="incident-actions__buttons">
            <button type="button" onClick={() => void setStatus('closed')}>
              Close incident
            </button>
            <button type="button" onClick={() => void setStatus('cancelled')}>
              Cancel incident
            </button>
          </div>
        </>
      ) : null}
      {message ? <p className={message.ok ? 'muted' : 'bad-text'}>{message.text}</p> : null}
      <h3 className="incident-actions__title">Activity</h3>
      <ol className="activity" data-testid="incident-activity">
        {(activity ?? []).map((a, i) => (
          <li key={`${a.at}-${i}`} className={`activity__${a.kind}`}>
            <time>{formatClock(a.at)}</time> {a.text}
            {a.by ? <span className="muted"> · {a.by}</span> : null}
          </li>
        ))}
        {activity && activity.length === 0 ? <li className="muted">Nothing recorded yet.</li> : null}
      </ol>
    </div>
  );
}
