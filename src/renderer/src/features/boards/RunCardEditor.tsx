import { useEffect, useState } from 'react';
import type { RunCards, RunCardTable } from '../../../../shared/contract/runCards';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../stores/sessionStore';
import { mayCall } from '../shell/views';
import { useRunCards } from './runCards';

/** A card as edited: unit types as the comma-separated text the supervisor types. */
interface DraftCard {
  incident_type: string;
  priority: string;
  unit_types: string;
}

const PRIORITIES = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
const typesText = (types: readonly string[]) => types.join(', ');
const typesList = (text: string) => text.split(',').map((t) => t.trim()).filter(Boolean);
const toDraft = (value: RunCards): DraftCard[] =>
  value.cards.map((c) => ({ incident_type: c.incident_type, priority: c.priority === null ? '' : String(c.priority), unit_types: typesText(c.unit_types) }));
const toTable = (cards: DraftCard[], defaultCard: string): RunCardTable => ({
  cards: cards.map((c) => ({ incident_type: c.incident_type, priority: c.priority ? Number(c.priority) : null, unit_types: typesList(c.unit_types) })),
  default_card: typesList(defaultCard)
});

/**
 * The centre's run cards: which unit types the console proposes for a call,
 * best first, per incident type and optionally per priority. Everyone sees
 * them; a supervisor or admin changes them for every console, and the next
 * suggestion follows.
 */
export function RunCardEditor() {
  const value = useRunCards((s) => s.value);
  const save = useRunCards((s) => s.save);
  const role = useSession((s) => s.operator?.role);
  const canEdit = mayCall(role, 'dispatch.setRunCards');
  const [cards, setCards] = useState<DraftCard[]>(() => toDraft(value));
  const [defaultCard, setDefaultCard] = useState(() => typesText(value.default_card));
  const [message, setMessage] = useState<string | null>(null);
  // The table is drawn only while the section is open: closed, it costs the board nothing at load and reload.
  const [open, setOpen] = useState(false);
  useEffect(() => {
    setCards(toDraft(value));
    setDefaultCard(typesText(value.default_card));
  }, [value]);
  const change = (index: number, patch: Partial<DraftCard>) => setCards((list) => list.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  return (
    <details className="settings run-cards" data-testid="run-card-editor" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Run cards: unit types proposed per call, best first{' '}
        <small className="muted">{value.updated_by ? `set by ${value.updated_by} ${formatDateTime(value.updated_at)}` : 'defaults'}</small>
      </summary>
      {open ? (
        <>
          <table className="board run-cards__table">
            <thead>
              <tr>
                <th>Incident type</th>
                <th>Priority</th>
                <th>Unit types, best first</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cards.map((c, i) => (
                <tr key={i}>
                  <td>
                    <input aria-label={`card ${i + 1} incident type`} value={c.incident_type} readOnly={!canEdit} onChange={(e) => change(i, { incident_type: e.target.value })} />
                  </td>
                  <td>
                    <select aria-label={`card ${i + 1} priority`} value={c.priority} disabled={!canEdit} onChange={(e) => change(i, { priority: e.target.value })}>
                      <option value="">any</option>
                      {PRIORITIES.map((p) => (
                        <option key={p} value={p}>
                          P{p}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={`card ${i + 1} unit types`} value={c.unit_types} readOnly={!canEdit} onChange={(e) => change(i, { unit_types: e.target.value })} />
                  </td>
                  <td>
                    {canEdit ? (
                      <button type="button" aria-label={`remove card ${i + 1}`} onClick={() => setCards((list) => list.filter((_, j) => j !== i))}>
                        Remove
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
              <tr>
                <th>any other type</th>
                <td>any</td>
                <td>
                  <input aria-label="default card unit types" value={defaultCard} readOnly={!canEdit} onChange={(e) => setDefaultCard(e.target.value)} />
                </td>
                <td />
              </tr>
            </tbody>
          </table>
          {canEdit ? (
            <div className="run-cards__actions">
              <button type="button" onClick={() => setCards((list) => [...list, { incident_type: '', priority: '', unit_types: '' }])}>
                Add a card
              </button>
              <button type="button" onClick={() => void save(toTable(cards, defaultCard)).then((err) => setMessage(err ?? 'Saved for every console.'))}>
                Save run cards for the centre
              </button>
            </div>
          ) : (
            <p className="muted">A supervisor sets the run cards for the whole centre.</p>
          )}
          {message ? (
            <p className="muted" role="status">
              {message}
            </p>
          ) : null}
        </>
      ) : null}
    </details>
  );
}
