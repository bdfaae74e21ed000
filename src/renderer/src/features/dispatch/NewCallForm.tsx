import { useState } from 'react';
import { api } from '../../lib/api';

const COMMON_TYPES = ['Chest Pain', 'Breathing Problem', 'Fall', 'Stroke', 'Unconscious Person', 'Traffic Collision', 'Overdose', 'Sick Person', 'Cardiac Arrest'];

/** Take a call: address, type and priority go to the CAD, which creates the incident and announces it. */
export function NewCallForm({ onDone }: { onDone(): void }) {
  const [address, setAddress] = useState('');
  const [type, setType] = useState('');
  const [priority, setPriority] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const result = await api.call('dispatch.createIncident', { address: address.trim(), type: type.trim(), priority });
    if (!result.ok) return setError(result.error.message);
    onDone();
  };
  return (
    <form
      className="new-call"
      data-testid="new-call"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input aria-label="Address" placeholder="Address" value={address} onChange={(e) => setAddress(e.target.value)} required maxLength={512} autoFocus />
      <input aria-label="Call type" placeholder="Type" list="call-types" value={type} onChange={(e) => setType(e.target.value)} required maxLength={128} />
      <datalist id="call-types">
        {COMMON_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <select aria-label="Priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
        {[1, 2, 3, 4].map((p) => (
          <option key={p} value={p}>
            P{p}
          </option>
        ))}
      </select>
      <button type="submit">Create</button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error ? <span className="bad-text">{error}</span> : null}
    </form>
  );
}
