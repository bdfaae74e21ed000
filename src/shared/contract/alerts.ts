import { z } from 'zod';
import { DISPATCH_ROLES } from '../roles';
import { event, method } from './define';

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export const AlertSeveritySchema = z.enum(ALERT_SEVERITIES);

/** Where an alert came from; the console filters and styles by it. */
export const ALERT_KINDS = [
  'patient',
  'vitals',
  'hospital',
  'device_stale',
  'cad_link',
  'log_threshold',
  'system',
  'ambulance_request'
] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);

export const ALERT_RECEIPT_STEPS = ['raised', 'delivered', 'displayed', 'acknowledged', 'escalated', 'cleared'] as const;
export const AlertReceiptSchema = z.object({
  step: z.enum(ALERT_RECEIPT_STEPS),
  by: z.string().nullable(),
  at: z.string()
});
export type AlertReceipt = z.infer<typeof AlertReceiptSchema>;

export const AlertSchema = z.object({
  id: z.string(),
  /** Same key = same condition: raising it again updates, clearing it resolves. */
  key: z.string(),
  kind: AlertKindSchema,
  severity: AlertSeveritySchema,
  title: z.string(),
  message: z.string(),
  source: z.string(),
  patient_id: z.string().nullable(),
  hospital_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  raised_at: z.string(),
  updated_at: z.string(),
  /** When an unacknowledged alert escalates. */
  deadline_at: z.string().nullable(),
  escalated: z.boolean(),
  cleared_at: z.string().nullable(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  delivered_at: z.string().nullable(),
  displayed_at: z.string().nullable(),
  escalated_at: z.string().nullable().default(null),
  /** Receipt trail of the alert: raised, delivered, displayed, acknowledged, escalated, cleared (who, when). */
  receipts: z.array(AlertReceiptSchema).default([])
});
export type Alert = z.infer<typeof AlertSchema>;

/** The longest a workstation may silence the alarm: a muted console must start ringing again on its own. */
export const MAX_TONE_MUTE_MINUTES = 5;

export const alertMethods = {
  'alerts.list': method({
    summary: 'Open alerts (and recently resolved ones when asked), newest first.',
    roles: DISPATCH_ROLES,
    input: z.object({ includeResolved: z.boolean().default(false), limit: z.number().int().min(1).max(1000).default(200) }),
    output: z.array(AlertSchema)
  }),
  'alerts.acknowledge': method({
    summary: 'Acknowledge an alert as the signed-in operator (logged, receipt sent).',
    roles: DISPATCH_ROLES,
    input: z.object({ id: z.string().min(1).max(64) }),
    output: AlertSchema
  }),
  'alerts.delivered': method({
    summary: 'Receipt: an alert pushed to this console arrived (call on alert.raised).',
    roles: DISPATCH_ROLES,
    input: z.object({ id: z.string().min(1).max(64) }),
    output: z.object({ recorded: z.boolean() })
  }),
  'alerts.muteTone': method({
    summary: 'Silence the critical-alert alarm on this workstation for a few minutes (logged with the operator).',
    roles: DISPATCH_ROLES,
    input: z.object({ minutes: z.number().int().min(1).max(MAX_TONE_MUTE_MINUTES).default(2) }).strict(),
    output: z.object({ muted_until: z.string(), minutes: z.number().int() })
  }),
  'alerts.displayed': method({
    summary: 'Receipt: the console has shown this alert to a person.',
    roles: DISPATCH_ROLES,
    input: z.object({ id: z.string().min(1).max(64) }),
    output: z.object({ recorded: z.boolean() })
  })
};

export const alertEvents = {
  'alert.raised': event({ summary: 'A new alert or a change to one.', roles: DISPATCH_ROLES, payload: AlertSchema }),
  'alert.updated': event({
    summary: 'An alert was acknowledged, escalated or cleared.',
    roles: DISPATCH_ROLES,
    payload: AlertSchema
  })
};
