import { randomUUID } from 'node:crypto';
import type { Alert, AlertReceipt } from '../../../shared/contract/alerts';
import type { EventBus } from '../contract/bus';
import { AppError } from '../errors';
import { mergeAlert } from './alertMerge';
import type { AlertStore } from './alertStore';

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
  /**
   * Raised on a client's say-so (a published alert): refused past the open-alert
   * bound. Alerts the core raises from its own observations are always admitted.
   */
  bounded?: boolean;
}

export type AlertChange = 'raised' | 'refreshed' | 'delivered' | 'displayed' | 'acknowledged' | 'cleared' | 'escalated';

export interface AlertCenter {
  /** Raises (or refreshes) the alert for `key`; returns it. Throws RATE_LIMITED past the open-alert bound. */
  raise(alert: RaiseAlert): Alert;
  /** Throws the refusal `raise` would, without raising: callers refuse a client before acknowledging it. */
  assertCanRaise(key: string): void;
  /** Resolves the open alert for `key`, if any. */
  clear(key: string, by?: string): Alert | null;
  acknowledge(id: string, operator: string): Alert;
  /** Receipt: a console received the alert. Returns false when already recorded or unknown. */
  markDelivered(id: string, by?: string): boolean;
  /** Receipt: a console showed the alert to a person. */
  markDisplayed(id: string, by?: string): boolean;
  list(options?: { includeResolved?: boolean; limit?: number }): Alert[];
  get(id: string): Alert | undefined;
  /** The open alert for a condition key, if any. */
  openFor(key: string): Alert | undefined;
  /** Escalates unacknowledged critical alerts past their deadline; called on a timer. */
  escalateOverdue(now?: Date): Alert[];
  /**
   * Cluster mode: another node changed this alert (read back from PostgreSQL).
   * It is folded into this node's copy, so this node can acknowledge, clear and
   * escalate it. It is not pushed, stored or logged again: the node that made
   * the change did all three (its push reached every node's consoles through
   * the Socket.IO Redis adapter).
   */
  applyRemote(alert: Alert): void;
  /**
   * Cluster mode: this node's alert `duplicateId` was raised for a key another
   * node already had an open alert for, and was folded into that one
   * (cluster/pgAlertRows.ts). The kept alert takes its place for the key; the
   * duplicate is resolved, so every console and the log end with one open alert.
   */
  absorbDuplicate(duplicateId: string, into: Alert): void;
  /** Every change, including receipts (the hub writes them to the socket log). */
  onChange(listener: (alert: Alert, change: AlertChange, by: string | null) => void): () => void;
  /** Resolves once every change so far is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AlertCenterOptions {
  bus: EventBus;
  /** Seconds a critical alert may stay unacknowledged before it escalates. */
  escalateAfterSeconds?: number;
  /** How many resolved alerts to keep for the console. */
  keepResolved?: number;
  /** Open alerts at most; a new one past this is refused (an existing one still refreshes). */
  maxOpen?: number;
  onChange?(alert: Alert, change: AlertChange): void;
  /** Keeps alerts across restarts; without one they live in memory only (unit tests). */
  store?: AlertStore;
  /** Alerts as they were when the core last stopped (from `store.load`): open ones stay open, escalation resumes. */
  restored?: readonly Alert[];
  /**
   * Cluster mode: every node runs the escalation timer, and this decides which
   * one escalates (true for the one node that won the claim; see
   * cluster/pgAlertRows.ts). Without it (one node) the timer escalates directly.
   */
  claimEscalation?(alert: Alert, at: string): Promise<boolean>;
}

/**
 * The one place alerts live: every domain raises and clears through it, the
 * console lists, receipts and acknowledges through it, and every change is
 * pushed. Critical alerts carry a receipt trail (delivered, displayed,
 * acknowledged: who and when) and escalate when nobody acknowledges them.
 */
export function createAlertCenter(options: AlertCenterOptions): AlertCenter {
  const escalateMs = (options.escalateAfterSeconds ?? 120) * 1000;
  const keepResolved = options.keepResolved ?? 500;
  const maxOpen = options.maxOpen ?? 1_000;
  const byId = new Map<string, Alert>();
  const openByKey = new Map<string, string>();
  const listeners = new Set<(alert: Alert, change: AlertChange, by: string | null) => void>();

  const receipt = (alert: Alert, step: AlertReceipt['step'], by: string | null, at: string) => {
    alert.receipts.push({ step, by, at });
  };

  for (const alert of options.restored ?? []) {
    byId.set(alert.id, alert);
    if (!alert.cleared_at) openByKey.set(alert.key, alert.id);
  }

  const emit = (alert: Alert, change: AlertChange, by: string | null = null) => {
    options.store?.save(alert, change === 'refreshed');
    // Receipts other than raise change the alert for every console, so they are pushed as updates.
    options.bus.publish(change === 'raised' ? 'alert.raised' : 'alert.updated', alert);
    options.onChange?.(alert, change);
    for (const listener of listeners) listener(alert, change, by);
  };

  const markEscalated = (alert: Alert, at: string) => {
    alert.escalated = true;
    alert.escalated_at = alert.updated_at = at;
    receipt(alert, 'escalated', null, at);
    emit(alert, 'escalated');
  };
  const settled = (alert: Alert) => alert.escalated || Boolean(alert.acknowledged_at) || Boolean(alert.cleared_at);
  const claiming = new Set<string>();
  const escalateOnceClusterWide = (alert: Alert, at: string, claim: NonNullable<AlertCenterOptions['claimEscalation']>) => {
    if (claiming.has(alert.id)) return;
    claiming.add(alert.id);
    claim(alert, at)
      .then((won) => {
        if (won && !settled(alert)) markEscalated(alert, at);
      })
      .catch(() => undefined) // the claim is retried on the next tick
      .finally(() => claiming.delete(alert.id));
  };

  const trimResolved = () => {
    const resolved = [...byId.values()].filter((a) => a.cleared_at);
    const old = resolved.slice(0, Math.max(0, resolved.length - keepResolved));
    for (const a of old) byId.delete(a.id);
    options.store?.forget(old.map((a) => a.id));
  };

  // Check often enough that a short escalation time (tests, drills) is honoured closely.
  const timer = setInterval(() => center.escalateOverdue(), Math.max(250, Math.min(5_000, escalateMs / 4)));
  timer.unref();

  const center: AlertCenter = {
    assertCanRaise(key) {
      if (openByKey.size >= maxOpen && !openByKey.has(key)) {
        throw new AppError('RATE_LIMITED', `${maxOpen} alerts are already open: acknowledge and clear some before new ones can be raised.`);
      }
    },
    raise(input) {
      const now = new Date().toISOString();
      const openId = openByKey.get(input.key);
      const existing = openId ? byId.get(openId) : undefined;
      if (existing) {
        const becameCritical = existing.severity !== 'critical' && input.severity === 'critical';
        Object.assign(existing, {
          severity: input.severity,
          title: input.title,
          message: input.message,
          data: input.data ?? existing.data,
          updated_at: now
        });
        if (becameCritical && !existing.acknowledged_at) existing.deadline_at = new Date(Date.now() + escalateMs).toISOString();
        // A new severity (and escalation deadline) is stored now; a new wording may wait a moment.
        if (becameCritical) options.store?.save(existing);
        emit(existing, 'refreshed');
        return existing;
      }
      if (input.bounded) center.assertCanRaise(input.key);
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
        escalated_at: null,
        cleared_at: null,
        acknowledged_at: null,
        acknowledged_by: null,
        delivered_at: null,
        displayed_at: null,
        receipts: []
      };
      receipt(alert, 'raised', input.source, now);
      byId.set(alert.id, alert);
      openByKey.set(alert.key, alert.id);
      emit(alert, 'raised', input.source);
      return alert;
    },
    clear(key, by) {
      const id = openByKey.get(key);
      const alert = id ? byId.get(id) : undefined;
      if (!alert) return null;
      openByKey.delete(key);
      alert.cleared_at = alert.updated_at = new Date().toISOString();
      receipt(alert, 'cleared', by ?? null, alert.cleared_at);
      emit(alert, 'cleared', by ?? null);
      trimResolved();
      return alert;
    },
    acknowledge(id, operator) {
      const alert = byId.get(id);
      if (!alert) throw new AppError('NOT_FOUND', `No alert with id ${id}.`);
      if (!alert.acknowledged_at) {
        alert.acknowledged_at = alert.updated_at = new Date().toISOString();
        alert.acknowledged_by = operator;
        receipt(alert, 'acknowledged', operator, alert.acknowledged_at);
        emit(alert, 'acknowledged', operator);
      }
      return alert;
    },
    markDelivered(id, by) {
      const alert = byId.get(id);
      if (!alert || alert.delivered_at) return false;
      alert.delivered_at = new Date().toISOString();
      receipt(alert, 'delivered', by ?? null, alert.delivered_at);
      emit(alert, 'delivered', by ?? null);
      return true;
    },
    markDisplayed(id, by) {
      const alert = byId.get(id);
      if (!alert || alert.displayed_at) return false;
      alert.displayed_at = new Date().toISOString();
      // Shown implies received, even if the delivery receipt was lost.
      if (!alert.delivered_at) {
        alert.delivered_at = alert.displayed_at;
        receipt(alert, 'delivered', by ?? null, alert.delivered_at);
      }
      receipt(alert, 'displayed', by ?? null, alert.displayed_at);
      emit(alert, 'displayed', by ?? null);
      return true;
    },
    list({ includeResolved = false, limit = 200 } = {}) {
      return [...byId.values()]
        .filter((a) => includeResolved || !a.cleared_at)
        .sort((a, b) => b.raised_at.localeCompare(a.raised_at))
        .slice(0, limit);
    },
    get: (id) => byId.get(id),
    openFor(key) {
      const id = openByKey.get(key);
      return id ? byId.get(id) : undefined;
    },
    escalateOverdue(now = new Date()) {
      const escalated: Alert[] = [];
      for (const alert of byId.values()) {
        if (settled(alert) || !alert.deadline_at || new Date(alert.deadline_at) > now) continue;
        if (options.claimEscalation) {
          escalateOnceClusterWide(alert, now.toISOString(), options.claimEscalation);
          continue;
        }
        markEscalated(alert, now.toISOString());
        escalated.push(alert);
      }
      return escalated;
    },
    applyRemote(incoming) {
      const mine = byId.get(incoming.id);
      const merged = mine ? mergeAlert(mine, incoming) : incoming;
      if (mine && JSON.stringify(merged) === JSON.stringify(mine)) return;
      const alert = mine ? Object.assign(mine, merged) : merged;
      byId.set(alert.id, alert);
      if (!alert.cleared_at) openByKey.set(alert.key, alert.id);
      else if (openByKey.get(alert.key) === alert.id) openByKey.delete(alert.key);
    },
    absorbDuplicate(duplicateId, into) {
      center.applyRemote(into);
      const kept = byId.get(into.id);
      if (kept && !kept.cleared_at) openByKey.set(kept.key, kept.id);
      // Its receipts (an acknowledgement given to the duplicate) are in the kept alert now: every console shows them.
      if (kept) options.bus.publish('alert.updated', kept);
      const duplicate = byId.get(duplicateId);
      if (!duplicate || duplicate.cleared_at) return;
      if (openByKey.get(duplicate.key) === duplicate.id) openByKey.delete(duplicate.key);
      duplicate.cleared_at = duplicate.updated_at = new Date().toISOString();
      const by = `cluster: same condition as alert ${into.id}`;
      receipt(duplicate, 'cleared', by, duplicate.cleared_at);
      emit(duplicate, 'cleared', by);
      trimResolved();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: () => options.store?.flush() ?? Promise.resolve(),
    async close() {
      clearInterval(timer);
      await options.store?.flush();
    }
  };
  return center;
}
