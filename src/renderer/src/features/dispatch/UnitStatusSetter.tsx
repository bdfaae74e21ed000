import { useState } from 'react';
import { UNIT_STATUSES } from '../../../../shared/cad';
import { api } from '../../lib/api';
import type { UnitView } from '../../stores/dispatchModel';

/** Sets a unit's status by hand (a crew radioed it in), through the CAD. */
export function UnitStatusSetter({ unit }: { unit: UnitView }) {
  const [status, setStatus] = useState<(typeof UNIT_STATUSES)[number]>('available');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!unit.cad) return <p className="muted">This crew reports to the hub only; the CAD does not know it, so its status cannot be set here.</p>;
  const send = async () => {
    const result = await api.call('bridge.updateUnitStatus', { unit_id: unit.id, status, incident_id: status === 'available' || status === 'out_of_service' ? null : unit.incidentId });
    setMessage({ ok: result.ok, text: result.ok ? 'Sent to the CAD, waiting for its confirmation.' : result.error.message });
  };
  return (
    <div className="unit-status-setter">
      <label>
        Set status{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} aria-label="New unit status">
          {UNIT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={() => void send()}>
        Set
      </button>
      {message ? <p className={message.ok ? 'muted' : 'bad-text'}>{message.text}</p> : null}
    </div>
  );
}
