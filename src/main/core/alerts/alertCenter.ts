import { randomUUID } from 'node:crypto';
import type { Alert } from '../../../shared/contract/alerts';
import type { EventBus } from '../contract/bus';
import { AppError } from '../errors';

export interface RaiseAlert {
  key: string;
  kind: Alert['kind'];
  severity: Alert['severity'];
  title: string;
  message: string;
  source: string;
  patientId?: string | null;
  hospitalId?: string | null;
  data?: Record<string, unknown>;
}

export interface AlertCenter {
  /** Raises (or refreshes) the alert for `key`; returns it. */
  raise(alert: RaiseAlert): Alert;
  /** Resolves the open alert for `key`, if any. */
  clear(key: string): Alert | null;
  acknowledge(id: string, operator: string): Alert;
  markDelivered(id: string): void;
  markDisplayed(id: string): boolean;
  list(options?: { includeResolved?: boolean; limit?: number }): Alert[];
  get(id: string): Alert | undefined;
  /** Escalates unacknowledged critical alerts past their deadline; called on a timer. */
  escalateOverdue(now?: Date): Alert[];
  close(): void;
}

export interface AlertCenterOptions {
  bus: EventBus;
  /** Seconds a critical alert may stay unacknowledged before it escalates. */
  escalateAfterSeconds?: number;
  /** How many resolved alerts to keep for the console. */
  keepResolved?: number;
  onChange?(alert: Alert, change: 'raised' | 'refreshed' | 'acknowledged' | 'cleared' | 'escalated' | 'displayed'): void;
}

/**
 * The one place alerts live: every domain raises and clears through it, the
 * console lists and acknowledges through it, and every change is pushed.
 */
export function createAlertCenter(options: AlertCenterOptions): AlertCenter {
  const escalateMs = (options.escalateAfterSeconds ?? 120) * 1000;
  const keepResolved = options.keepResolved ?? 500;
  const byId = new Map<string, Alert>();
  const openByKey = new Map<string, string>();

  const emit = (alert: Alert, change: Parameters<NonNullable<AlertCenterOptions['onChange']>>[1]) => {
    options.bus.publish(change === 'raised' ? 'alert.raised' : 'alert.updated', alert);
    options.onChange?.(alert, change);
  };

  const trimResolved = () => {
    const resolved = [...byId.values()].filter((a) => a.cleared_at);
    for (const old of resolved.slice(0, Math.max(0, resolved.length - keepResolved))) byId.delete(old.id);
  };

  const timer = setInterval(() => center.escalateOverdue(), 5_000);
  timer.unref();

  const center: AlertCenter = {
    raise(input) {
      const now = new Date().toISOString();
      const openId = openByKey.get(input.key);
      const existing = openId ? byId.get(openId) : undefined;
      if (existing) {
        Object.assign(existing, {
          severity: input.severity,
          title: input.title,
          message: input.message,
          data: input.data ?? existing.data,
          updated_at: now
        });
        emit(existing, 'refreshed');
        return existing;
      }
      const alert: Alert = {
        id: randomUUID(),
        key: input.key,
        kind: input.kind,
        severity: input.severity,
        title: input.title,
        message: input.message,
        source: input.source,
        patient_id: input.patientId ?? null,
        hospital_id: input.hospitalId ?? null,
        data: input.data ?? {},
        raised_at: now,
        updated_at: now,
        deadline_at: input.severity === 'critical' ? new Date(Date.now() + escalateMs).toISOString() : null,
        escalated: false,
        cleared_at: null,
        acknowledged_at: null,
        acknowledged_by: null,
        delivered_at: null,
        displayed_at: null
      };
      byId.set(alert.id, alert);
      openByKey.set(alert.key, alert.id);
      emit(alert, 'raised');
      return alert;
    },
    clear(key) {
      const id = openByKey.get(key);
      const alert = id ? byId.get(id) : undefined;
      if (!alert) return null;
      openByKey.delete(key);
      alert.cleared_at = alert.updated_at = new Date().toISOString();
      emit(alert, 'cleared');
      trimResolved();
      return alert;
    },
    acknowledge(id, operator) {
      const alert = byId.get(id);
      if (!alert) throw new AppError('NOT_FOUND', `No alert with id ${id}.`);
      if (!alert.acknowledged_at) {
        alert.acknowledged_at = alert.updated_at = new Date().toISOString();
        alert.acknowledged_by = operator;
        emit(alert, 'acknowledged');
      }
      return alert;
    },
    markDelivered(id) {
      const alert = byId.get(id);
      if (alert && !alert.delivered_at) alert.delivered_at = new Date().toISOString();
    },
    markDisplayed(id) {
      const alert = byId.get(id);
      if (!alert || alert.displayed_at) return false;
      alert.displayed_at = new Date().toISOString();
      options.onChange?.(alert, 'displayed');
      return true;
    },
    list({ includeResolved = false, limit = 200 } = {}) {
      return [...byId.values()]
        .filter((a) => includeResolved || !a.cleared_at)
        .sort((a, b) => b.raised_at.localeCompare(a.raised_at))
        .slice(0, limit);
    },
    get: (id) => byId.get(id),
    escalateOverdue(now = new Date()) {
      const escalated: Alert[] = [];
      for (const alert of byId.values()) {
        if (alert.escalated || alert.acknowledged_at || alert.cleared_at || !alert.deadline_at) continue;
        if (new Date(alert.deadline_at) <= now) {
          alert.escalated = true;
          alert.updated_at = now.toISOString();
          emit(alert, 'escalated');
          escalated.push(alert);
        }
      }
      return escalated;
    },
    close: () => clearInterval(timer)
  };
  return center;
}
