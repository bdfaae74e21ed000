import { z } from 'zod';
import { IncidentSchema, UnitSchema } from '../cad';
import { method } from './define';
import { AlertKindSchema, AlertSeveritySchema } from './alerts';
import { LOG_READERS } from './logQueries';

/** Replays and incident reports read the whole record of the room: the log's readers (supervisors, auditors, admins), never a dispatcher. */
export const REPLAY_ROLES = LOG_READERS;

/** A moment, as an ISO time or epoch milliseconds. */
const MomentSchema = z.union([z.string().datetime({ offset: true }), z.number().int().nonnegative()]);

/** An alert as it stood at the replayed moment (from its log rows: raised, receipts, acknowledged). */
export const ReplayAlertSchema = z.object({
  id: z.string(),
  key: z.string(),
  kind: AlertKindSchema.or(z.string()),
  severity: AlertSeveritySchema.or(z.string()),
  title: z.string(),
  raised_at: z.string(),
  delivered_at: z.string().nullable(),
  displayed_at: z.string().nullable(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  escalated: z.boolean()
});
export type ReplayAlert = z.infer<typeof ReplayAlertSchema>;

/** One device or crew connected to the hub at the replayed moment. */
export const ReplayConnectionSchema = z.object({
  socket_id: z.string(),
  user_id: z.string().nullable(),
  role: z.string().nullable(),
  unit_id: z.string().nullable(),
  transport: z.string().nullable(),
  connected_at: z.string(),
  stale: z.boolean()
});
export type ReplayConnection = z.infer<typeof ReplayConnectionSchema>;

/** Whether the log's chain verifies over the rows a replay or report read. */
export const ReplayChainSchema = z.object({
  ok: z.boolean(),
  from_id: z.number().int(),
  to_id: z.number().int(),
  checked: z.number().int(),
  first_bad: z.object({ id: z.number().int(), reason: z.string() }).nullable()
});
export type ReplayChain = z.infer<typeof ReplayChainSchema>;

/** A crew's last position report through the hub (the console draws it over the CAD's position when newer). */
export const CrewPositionSchema = z.object({
  unit_id: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  heading: z.number().nullable(),
  status: z.string().nullable(),
  at: z.string()
});
export type CrewPosition = z.infer<typeof CrewPositionSchema>;

export const ReplayPictureSchema = z.object({
  at: z.string(),
  /** The keyframe the picture was rebuilt from; null when the log holds none before the moment. */
  keyframe: z.object({ id: z.number().int(), at: z.string(), reason: z.string() }).nullable(),
  units: z.array(UnitSchema),
  incidents: z.array(IncidentSchema),
  crew_positions: z.array(CrewPositionSchema),
  metrics: z.record(z.string(), z.number()),
  alerts: z.array(ReplayAlertSchema),
  connections: z.array(ReplayConnectionSchema),
  cad_link: z.enum(['up', 'down', 'unknown']),
  /** Log rows applied after the keyframe. */
  rows_applied: z.number().int(),
  chain: ReplayChainSchema
});
export type ReplayPicture = z.infer<typeof ReplayPictureSchema>;

/** What changed at one moment of a played range: whole entities, as the live console receives them. */
export const ReplayChangeSchema = z.object({
  at: z.string(),
  log_id: z.number().int(),
  units: z.array(UnitSchema),
  incidents: z.array(IncidentSchema),
  crew_positions: z.array(CrewPositionSchema),
  /** Present when alerts or connections changed: the full list at that moment. */
  alerts: z.array(ReplayAlertSchema).optional(),
  connections: z.array(ReplayConnectionSchema).optional(),
  cad_link: z.enum(['up', 'down', 'unknown']).optional()
});
export type ReplayChange = z.infer<typeof ReplayChangeSchema>;

export const TIMELINE_MARK_KINDS = ['incident', 'alert', 'assignment', 'cad_down', 'cad_up', 'stale', 'hub_start', 'resync', 'tamper'] as const;
export const TimelineMarkSchema = z.object({
  at: z.string(),
  kind: z.enum(TIMELINE_MARK_KINDS),
  label: z.string(),
  log_id: z.number().int()
});
export type TimelineMark = z.infer<typeof TimelineMarkSchema>;

const RangeSchema = z.object({ from: MomentSchema, to: MomentSchema });

export const IntervalSchema = z.object({
  name: z.string(),
  from: z.string(),
  to: z.string(),
  seconds: z.number().nullable(),
  /** The centre's time-in-status thresholds for the incident's priority (amber, red), when it sets one. */
  warn_seconds: z.number().nullable(),
  alarm_seconds: z.number().nullable(),
  verdict: z.enum(['within', 'amber', 'red']).nullable()
});

/** The signed manifest of the report's evidence rows (`switchboard verify --export` checks it offline). */
export const EvidenceManifestSchema = z.object({
  format: z.string(),
  file_format: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  row_count: z.number().int(),
  first_id: z.number().int().nullable(),
  last_id: z.number().int().nullable(),
  filters: z.record(z.string(), z.unknown()),
  chain_head: z.object({ id: z.number().int(), mac: z.string(), record_count: z.number().int() }),
  created_at: z.string(),
  created_by: z.string(),
  key_id: z.string(),
  public_key: z.string(),
  signature: z.string()
});

export const IncidentReportSchema = z.object({
  format: z.literal('switchboard-incident-report/1'),
  incident: IncidentSchema.nullable(),
  incident_id: z.string(),
  generated_at: z.string(),
  generated_by: z.string(),
  /** NEMSIS eTimes: each time the CAD recorded, with its eTimes element. */
  times: z.array(z.object({ name: z.string(), etimes: z.string().nullable(), at: z.string() })),
  /** Who did what when, oldest first, with the log row that records it. */
  steps: z.array(z.object({ at: z.string(), what: z.string(), by: z.string().nullable(), log_id: z.number().int() })),
  /** At each assignment: the available units, nearest first, as the picture stood. */
  decisions: z.array(
    z.object({
      at: z.string(),
      assigned: z.string(),
      considered: z.array(z.object({ unit_id: z.string(), call_sign: z.string(), distance_km: z.number(), run_card: z.string() }))
    })
  ),
  hospital: z.array(z.object({ at: z.string(), what: z.string(), hospital: z.string().nullable(), log_id: z.number().int() })),
  intervals: z.array(IntervalSchema),
  chain: ReplayChainSchema,
  evidence: z.object({ rows: z.number().int(), first_id: z.number().int().nullable(), last_id: z.number().int().nullable(), manifest: EvidenceManifestSchema })
});
export type IncidentReport = z.infer<typeof IncidentReportSchema>;

export const replayMethods = {
  'replay.at': method({
    summary: 'The control room as it was at a moment, rebuilt from the nearest keyframe and the log rows after it (recorded in the access log).',
    roles: REPLAY_ROLES,
    input: z.object({ at: MomentSchema }).strict(),
    output: ReplayPictureSchema
  }),
  'replay.events': method({
    summary: 'Every change of the picture in a range (at most 15 minutes), for stepping and playing.',
    roles: REPLAY_ROLES,
    input: RangeSchema.strict(),
    output: z.object({ from: z.string(), to: z.string(), changes: z.array(ReplayChangeSchema), truncated: z.boolean(), chain: ReplayChainSchema })
  }),
  'replay.timeline': method({
    summary: 'Marks for the replay timeline: incidents, critical alerts, assignments, CAD outages, stale devices, hub starts.',
    roles: REPLAY_ROLES,
    input: RangeSchema.strict(),
    output: z.object({ from: z.string(), to: z.string(), marks: z.array(TimelineMarkSchema), truncated: z.boolean() })
  }),
  'incident.report': method({
    summary: "An incident's whole story from the log: times, steps with operators, units considered, hospital answers, intervals and chain check.",
    roles: REPLAY_ROLES,
    input: z.object({ incident_id: z.string().min(1).max(128) }).strict(),
    /** `evidence_ndjson` is the file the manifest signs: saved beside the report, `switchboard verify --export` checks both. */
    output: z.object({ report: IncidentReportSchema, evidence_ndjson: z.string() })
  })
};
