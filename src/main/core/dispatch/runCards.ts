import { DEFAULT_RUN_CARDS, normaliseIncidentType, type RunCards } from '../../../shared/contract/runCards';

/**
 * The run card: which unit types an incident calls for, best first. The table
 * is a centre setting (runCardSetting.ts; a supervisor edits it in the console);
 * suggestions rank units by it before distance, so a chest pain gets the
 * nearest ALS unit ahead of a nearer BLS one.
 */
export type RunCardMatch = 'preferred' | 'acceptable' | 'not_on_card';

/** Looks a card up: the incident type at its priority, else the type at any priority, else the default card. */
export type RunCardLookup = (incidentType: string, priority?: number) => readonly string[];

export function indexRunCards(table: Pick<RunCards, 'cards' | 'default_card'>): RunCardLookup {
  const byKey = new Map<string, readonly string[]>();
  for (const card of table.cards) byKey.set(`${normaliseIncidentType(card.incident_type)}|${card.priority ?? '*'}`, card.unit_types);
  const fallback = table.default_card;
  return (incidentType, priority) => {
    const type = normaliseIncidentType(incidentType);
    return (priority !== undefined ? byKey.get(`${type}|${priority}`) : undefined) ?? byKey.get(`${type}|*`) ?? fallback;
  };
}

/** The starting table, until a supervisor changes it. */
export const defaultRunCards: RunCardLookup = indexRunCards(DEFAULT_RUN_CARDS);

/**
 * How well a unit type fits a card: the first type on it is preferred, later
 * ones acceptable; a unit with no type (a CAD that does not say) counts as
 * acceptable, so distance alone decides between such units.
 */
export function runCardMatch(card: readonly string[], unitType: string | null): { match: RunCardMatch; rank: number } {
  if (!unitType) return { match: 'acceptable', rank: 1 };
  const index = card.findIndex((t) => t.toLowerCase() === unitType.toLowerCase());
  if (index === 0) return { match: 'preferred', rank: 0 };
  if (index > 0) return { match: 'acceptable', rank: index };
  return { match: 'not_on_card', rank: card.length + 1 };
}
