import { useMemo, useState } from 'react';
import { api } from '../../lib/api';
import { distanceKm } from '../../lib/format';
import type { IncidentView, RequestView } from '../../stores/dispatchModel';

/** Incidents a request may have become: still open, nearest the patient first. */
export function linkCandidates(request: Pick<RequestView, 'lat' | 'lon'>, incidents: Iterable<IncidentView>, limit = 8): Array<{ incident: IncidentView; km: number }> {
  return [...incidents]
    .filter((i) => i.status !== 'closed' && i.status !== 'cancelled')
    .map((incident) => ({ incident, km: distanceKm(request, incident) }))
    .sort((a, b) => a.km - b.km || a.incident.id.localeCompare(b.incident.id))
    .slice(0, limit);
}

/**
 * Links a patient's ambulance request to the CAD incident it became, so the
 * incident's report tells the hospital offers and answers. The dispatcher picks
 * from the open incidents nearest the patient; the link is recorded in the log
 * with their name.
 */
export function RequestIncidentLink({ request, incidents }: { request: RequestView; incidents: Map<string, IncidentView> }) {
  const candidates = useMemo(() => linkCandidates(request, incidents.values()), [request, incidents]);
  const [chosen, setChosen] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const incidentId = chosen || candidates[0]?.incident.id || '';
  if (candidates.length === 0) return <p className="muted">No open incident to link this request to.</p>;
  const link = async () => {
    const result = await api.call('requests.linkIncident', { request_id: request.id, incident_id: incidentId });
    setMessage(result.ok ? { ok: true, text: `Linked to incident ${incidentId}: its report lists this request's hospital offers.` } : { ok: false, text: result.error.message });
  };
  return (
    <form
      className="request-link"
      onSubmit={(e) => {
        e.preventDefault();
        void link();
      }}
    >
      <label>
        Became incident{' '}
        <select aria-label="Incident this request became" value={incidentId} onChange={(e) => setChosen(e.target.value)}>
          {candidates.map(({ incident, km }) => (
            <option key={incident.id} value={incident.id}>
              {incident.id} · P{incident.priority} {incident.type} · {km.toFixed(1)} km
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit">Link</button>
      {message ? (
        <p role="status" className={message.ok ? 'ok-text' : 'bad-text'}>
          {message.text}
        </p>
      ) : null}
    </form>
  );
}
