/**
 * The run card: which unit types an incident type calls for, best first. A
 * simple table a centre can read and change; suggestions rank units by it
 * before distance, so a chest pain gets the nearest ALS unit ahead of a nearer
 * BLS one. Incident types are matched case- and punctuation-insensitively.
 */
export const RUN_CARDS: Record<string, readonly string[]> = {
  'cardiac arrest': ['ALS'],
  'chest pain': ['ALS', 'BLS'],
  'breathing problem': ['ALS', 'BLS'],
  stroke: ['ALS', 'BLS'],
  'unconscious person': ['ALS', 'BLS'],
  overdose: ['ALS', 'BLS'],
  'traffic collision': ['ALS', 'BLS'],
  fall: ['BLS', 'ALS'],
  'sick person': ['BLS', 'ALS']
};

/** When the incident type is not on the table: any ambulance, advanced life support first. */
export const DEFAULT_RUN_CARD: readonly string[] = ['ALS', 'BLS'];

export type RunCardMatch = 'preferred' | 'acceptable' | 'not_on_card';

const normalise = (type: string) => type.toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();

export function runCardFor(incidentType: string): readonly string[] {
  return RUN_CARDS[normalise(incidentType)] ?? DEFAULT_RUN_CARD;
}

/**
 * How well a unit type fits an incident type: the first type on the card is
 * preferred, later ones acceptable; a unit with no type (a CAD that does not
 * say) counts as acceptable, so distance alone decides between such units.
 */
export function runCardMatch(incidentType: string, unitType: string | null): { match: RunCardMatch; rank: number } {
  if (!unitType) return { match: 'acceptable', rank: 1 };
  const card = runCardFor(incidentType);
  const index = card.findIndex((t) => t.toLowerCase() === unitType.toLowerCase());
  if (index === 0) return { match: 'preferred', rank: 0 };
  if (index > 0) return { match: 'acceptable', rank: index };
  return { match: 'not_on_card', rank: card.length + 1 };
}
