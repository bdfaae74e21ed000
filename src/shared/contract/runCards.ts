import { z } from 'zod';

/**
 * The centre's run cards: which unit types to propose for a call, best first, by
 * incident type and (optionally) priority. A supervisor edits them in the console;
 * suggestions rank available units by them before distance.
 */
const UnitTypeSchema = z
  .string()
  .trim()
  .min(1, 'A unit type must not be empty.')
  .max(32, 'A unit type is at most 32 characters.')
  .regex(/^[\w .-]+$/, 'A unit type holds letters, digits, spaces, dots, dashes and underscores only.');

const UnitTypeListSchema = z
  .array(UnitTypeSchema)
  .min(1, 'List at least one unit type.')
  .max(8, 'List at most 8 unit types.')
  .refine((types) => new Set(types.map((t) => t.toLowerCase())).size === types.length, { message: 'A unit type is listed twice.' });

export const RunCardSchema = z.object({
  incident_type: z.string().trim().min(1, 'Name the incident type.').max(64, 'An incident type is at most 64 characters.'),
  /** Only for this priority; null: every priority without a card of its own. */
  priority: z.number().int().min(1, 'Priorities run from 1 to 9.').max(9, 'Priorities run from 1 to 9.').nullable(),
  unit_types: UnitTypeListSchema
});
export type RunCard = z.infer<typeof RunCardSchema>;

/** Incident types are matched case-, underscore- and spacing-insensitively ("Chest_Pain" is "chest pain"). */
export const normaliseIncidentType = (type: string): string => type.toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();

const cardKey = (card: Pick<RunCard, 'incident_type' | 'priority'>) => `${normaliseIncidentType(card.incident_type)}|${card.priority ?? '*'}`;

export const RunCardTableSchema = z
  .object({
    cards: z.array(RunCardSchema).max(200, 'At most 200 run cards.'),
    /** For an incident type no card names. */
    default_card: UnitTypeListSchema
  })
  .strict()
  .superRefine(({ cards }, ctx) => {
    const seen = new Set<string>();
    cards.forEach((card, index) => {
      const key = cardKey(card);
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['cards', index, 'incident_type'],
          message: `"${card.incident_type}"${card.priority ? ` at priority ${card.priority}` : ''} has two cards; keep one.`
        });
      }
      seen.add(key);
    });
  });
export type RunCardTable = z.infer<typeof RunCardTableSchema>;

export const RunCardsSchema = z.object({
  cards: z.array(RunCardSchema),
  default_card: z.array(z.string()),
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable()
});
export type RunCards = z.infer<typeof RunCardsSchema>;

const card = (incident_type: string, unit_types: string[]): RunCard => ({ incident_type, priority: null, unit_types });

/** The starting table (a centre changes it): a chest pain gets the nearest ALS unit ahead of a nearer BLS one. */
export const DEFAULT_RUN_CARDS: RunCards = {
  cards: [
    card('cardiac arrest', ['ALS']),
    card('chest pain', ['ALS', 'BLS']),
    card('breathing problem', ['ALS', 'BLS']),
    card('stroke', ['ALS', 'BLS']),
    card('unconscious person', ['ALS', 'BLS']),
    card('overdose', ['ALS', 'BLS']),
    card('traffic collision', ['ALS', 'BLS']),
    card('fall', ['BLS', 'ALS']),
    card('sick person', ['BLS', 'ALS'])
  ],
  default_card: ['ALS', 'BLS'],
  updated_by: null,
  updated_at: null
};
