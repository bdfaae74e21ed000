import { useEffect, useMemo, useState } from 'react';
import { LineChart } from '../../components/Chart';
import { formatClock } from '../../lib/format';
import { useAlerts } from '../../stores/alertsStore';
import { useDispatch } from '../../stores/dispatchStore';
import { VITAL_LIMITS, usePatients } from '../../stores/patientsStore';
import { useSession } from '../../stores/sessionStore';
import { RequestIncidentLink } from '../map/RequestIncidentLink';
import { canDispatch } from '../shell/views';

const VITAL_COLORS: Record<string, string> = { heart_rate: '#f85149', spo2: '#58a6ff', systolic: '#d29922', diastolic: '#f0883e', respiratory_rate: '#3fb950', temperature: '#bc8cff' };

function PatientCard({ patientId }: { patientId: string }) {
  const samples = usePatients((s) => s.vitals[patientId]);
  const unwatch = usePatients((s) => s.unwatch);
  const byId = useAlerts((s) => s.byId);
  const requests = useDispatch((s) => s.requests);
  const incidents = useDispatch((s) => s.incidents);
  const role = useSession((s) => s.operator?.role);
  const alerts = useMemo(() => Object.values(byId).filter((a) => a.patient_id === patientId && !a.cleared_at), [byId, patientId]);
  const request = useMemo(() => [...requests.values()].filter((r) => r.patientId === patientId).sort((a, b) => b.createdAt - a.createdAt)[0], [requests, patientId]);
  const keys = useMemo(() => {
    const seen = new Set<string>();
    for (const s of samples ?? []) for (const k of Object.keys(s.values)) seen.add(k);
    return [...seen].filter((k) => VITAL_LIMITS[k]);
  }, [samples]);
  const latest = samples?.[samples.length - 1];
  return (
    <section className={`panel patient${latest?.abnormal ? ' patient--abnormal' : ''}`} data-patient={patientId} aria-label={`Patient ${patientId}`}>
      <h2>
        Patient {patientId}
        <button type="button" className="link" onClick={() => void unwatch(patientId)}>
          stop watching
        </button>
      </h2>
      <div className="patient__facts">
        <span>{samples?.length ? `last reading ${formatClock(new Date(latest!.at).toISOString())}` : 'waiting for vitals…'}</span>
        {request ? (
          <span>
            Ambulance request: <b>{request.status}</b>
            {request.hospitalName ? ` → ${request.hospitalName}` : ''}
          </span>
        ) : (
          <span className="muted">no ambulance request</span>
        )}
      </div>
      {request && canDispatch(role) ? <RequestIncidentLink request={request} incidents={incidents} /> : null}
      {alerts.length ? (
        <ul className="alert-list alert-list--compact">
          {alerts.map((a) => (
            <li key={a.id} className={`alert alert--${a.severity}`}>
              <div className="alert__sev">{a.severity}</div>
              <div className="alert__body">
                <div className="alert__title">{a.title}</div>
                <div className="alert__message">{a.message}</div>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="charts">
        {keys.map((key) => {
          const limit = VITAL_LIMITS[key]!;
          const thresholds = [
            ...(limit.min !== undefined ? [{ label: `low ${limit.min}`, value: limit.min }] : []),
            ...(limit.max !== undefined ? [{ label: `high ${limit.max}`, value: limit.max }] : [])
          ];
          const points = (samples ?? []).flatMap((s) => (s.values[key] === undefined ? [] : [{ t: s.at, v: s.values[key]! }]));
          const last = points[points.length - 1]?.v;
          return (
            <LineChart
              key={key}
              title={`${limit.label}${last !== undefined ? `: ${last}${limit.unit}` : ''}`}
              unit=""
              height={140}
              zeroBased={false}
              series={[{ name: key, color: VITAL_COLORS[key] ?? '#58a6ff', points }]}
              thresholds={thresholds}
            />
          );
        })}
      </div>
    </section>
  );
}

export function PatientsView() {
  const { watched, watch, followOpenAlerts, setFollowOpenAlerts, error } = usePatients();
  const [patientId, setPatientId] = useState('');
  const alertPatients = useAlerts((s) => [...new Set(Object.values(s.byId).filter((a) => a.patient_id && !a.cleared_at).map((a) => a.patient_id!))].sort().join('|'));
  const requests = useDispatch((s) => s.requests);
  const requestPatients = useMemo(() => [...new Set([...requests.values()].filter((r) => r.status === 'pending').map((r) => r.patientId))].slice(0, 20), [requests]);

  // Following open alerts: every patient with an open alert is watched automatically.
  useEffect(() => {
    if (!followOpenAlerts || !alertPatients) return;
    for (const id of alertPatients.split('|')) if (!usePatients.getState().watched.includes(id)) void watch(id);
  }, [followOpenAlerts, alertPatients, watch]);

  return (
    <section className="patients-view" aria-label="Patients">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (patientId.trim()) void watch(patientId.trim());
          setPatientId('');
        }}
      >
        <input aria-label="Patient id" placeholder="patient id" value={patientId} onChange={(e) => setPatientId(e.target.value)} list="known-patients" />
        <datalist id="known-patients">
          {[...new Set([...(alertPatients ? alertPatients.split('|') : []), ...requestPatients])].map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <button type="submit">Watch patient</button>
        <label className="toggle">
          <input type="checkbox" checked={followOpenAlerts} onChange={(e) => setFollowOpenAlerts(e.target.checked)} /> Follow every patient with an open alert
        </label>
      </form>
      {error ? <p className="bad-text">{error}</p> : null}
      {watched.length === 0 ? <p className="calm">No patient selected. Pick one above, or follow every patient with an open alert.</p> : null}
      {watched.map((id) => (
        <PatientCard key={id} patientId={id} />
      ))}
    </section>
  );
}
