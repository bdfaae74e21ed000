import { z } from 'zod';
import { IncidentStatusSchema, UnitStatusSchema } from '../cad';

/** Seconds in a status after which a timer turns amber (`warn`) and red (`alarm`). */
export const ThresholdSchema = z
  .object({ warn: z.number().int().min(5).max(86_400), alarm: z.number().int().min(5).max(86_400) })
  .refine((t) => t.warn <= t.alarm, { message: 'The amber time must not be later than the red time.' });
export type StatusThreshold = z.infer<typeof ThresholdSchema>;

export const PRIORITY_KEYS = ['1', '2', '3', '4'] as const;
/** The open incident statuses a timer runs in. */
export const TIMED_INCIDENT_STATUSES = ['pending', 'dispatched', 'en_route', 'on_scene', 'transporting', 'at_destination'] as const;

/**
 * Time-in-status thresholds for the whole centre, set by a supervisor: per
 * incident priority and status (a P1 waiting 90 s unassigned is late, a P4 is
 * not), and per unit status. Priorities above 4 use the P4 row.
 */
export const StatusThresholdsSchema = z.object({
  incident: z.record(z.enum(PRIORITY_KEYS), z.partialRecord(IncidentStatusSchema, ThresholdSchema)),
  unit: z.partialRecord(UnitStatusSchema, ThresholdSchema),
  updated_by: z.string().nullable(),
  updated_at: z.string().nullable()
});
export type StatusThresholds = z.infer<typeof StatusThresholdsSchema>;

const t = (warn: number, alarm: number): StatusThreshold => ({ warn, alarm });

/** Starting values; a centre tunes them. Waiting for a unit is the tightest everywhere. */
export const DEFAULT_STATUS_THRESHOLDS: StatusThresholds = {
  incident: {
    '1': { pending: t(60, 120), dispatched: t(60, 120), en_route: t(480, 720), on_scene: t(1200, 1800), transporting: t(900, 1500), at_destination: t(900, 1800) },
    '2': { pending: t(120, 300), dispatched: t(90, 180), en_route: t(600, 900), on_scene: t(1500, 2400), transporting: t(1200, 1800), at_destination: t(900, 1800) },
    '3': { pending: t(300, 600), dispatched: t(120, 300), en_route: t(900, 1500), on_scene: t(1800, 3000), transporting: t(1500, 2400), at_destination: t(1200, 2400) },
    '4': { pending: t(600, 1200), dispatched: t(180, 420), en_route: t(1200, 1800), on_scene: t(2400, 3600), transporting: t(1800, 2700), at_destination: t(1200, 2400) }
  },
  unit: {
    dispatched: t(60, 120),
    en_route: t(600, 900),
    on_scene: t(1500, 2400),
    transporting: t(1200, 1800),
    at_destination: t(900, 1800),
    out_of_service: t(3600, 7200)
  },
  updated_by: null,
  updated_at: null
};

/** The threshold for an incident's current status at its priority, if the centre set one. */
export function incidentThreshold(thresholds: StatusThresholds, priority: number, status: string): StatusThreshold | undefined {
  const key = String(Math.min(4, Math.max(1, Math.round(priority)))) as (typeof PRIORITY_KEYS)[number];
  return thresholds.incident[key]?.[status as z.infer<typeof IncidentStatusSchema>];
}
