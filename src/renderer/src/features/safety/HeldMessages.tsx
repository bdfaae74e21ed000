import { useEffect } from 'react';
import type { HeldMessage } from '../../../../shared/contract/bridge';
import { formatClock } from '../../lib/format';
import { useDispatch } from '../../stores/dispatchStore';
import { useHealth } from '../../stores/healthStore';
import { useHeld } from '../../stores/heldStore';
import { useIsLive } from '../../stores/liveStore';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

/** What the message asked for, in the words of the moment it was made. */
function describe(m: HeldMessage, callsign: (unitId: string) => string): string {
  const b = m.body;
  const unit = typeof b.unit_id === 'string' ? `${callsign(b.unit_id)} (${b.unit_id})` : null;
  if (m.event === 'assignment:send') {
    const details = [str(b.incident_type), str(b.address)].filter(Boolean).join(', ');
    return `Assign ${unit} to ${str(b.incident_id)}${details ? ` (${details})` : ''}`;
  }
  const target = [unit, str(b.incident_id)].filter(Boolean).join(' / ');
  return `${m.event} ${target}${b.status ? ` → ${str(b.status)}` : ''}`;
}

/**
 * Messages the CAD link held after the CAD restarted into a new epoch: their
 * ids may now name other units or calls, so nothing is sent until a
 * dispatcher re-confirms against today's picture, or discards.
 */
export function HeldMessages() {
  const heldCount = useHealth((s) => (s.bridge.state === 'ok' ? s.bridge.value.bridge.outbox.held : 0));
  const { messages, busy, error, load, decide } = useHeld();
  const incidents = useDispatch((s) => s.incidents);
  const units = useDispatch((s) => s.units);
  const callsign = (unitId: string) => units.get(unitId)?.callsign ?? unitId;
  const live = useIsLive();

  useEffect(() => {
    void load();
  }, [heldCount, load]);

  if (!messages.length) return null;
  return (
    <section className="held" role="alert" aria-label="Held CAD messages" data-testid="held-messages">
      <strong className="held__title">
        The CAD restarted: {messages.length} action{messages.length === 1 ? '' : 's'} not sent. Check each against the current picture.
      </strong>
      {messages.map((m) => {
        const incidentId = str(m.body.incident_id);
        const now = incidentId ? incidents.get(incidentId) : undefined;
        return (
          <div key={m.outbox_id} className="held__row" data-testid={`held-${m.outbox_id}`} data-event={m.event}>
            <span>
              {describe(m, callsign)} <span className="muted">· made {formatClock(m.created_at)}{m.requested_by ? ` by ${m.requested_by.replace(/^operator:/, '')}` : ''}</span>
            </span>
            {incidentId ? (
              <span className="held__now">
                {now ? `${incidentId} in the CAD now: ${now.type}, ${now.address || 'no address'} (${now.status})` : `${incidentId} is not in the CAD now`}
              </span>
            ) : null}
            <button type="button" disabled={!live || busy[m.outbox_id]} onClick={() => void decide(m.outbox_id, 'confirm')}>
              Re-confirm and send
            </button>
            <button type="button" disabled={!live || busy[m.outbox_id]} onClick={() => void decide(m.outbox_id, 'discard')}>
              Discard
            </button>
          </div>
        );
      })}
      {error ? <span className="bad-text">{error}</span> : null}
    </section>
  );
}
