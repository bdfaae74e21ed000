import type { Alert, AlertReceipt } from '../../../shared/contract/alerts';

const earliest = (a: string | null, b: string | null) => (a && b ? (a <= b ? a : b) : (a ?? b));

/**
 * Two copies of one alert (cluster mode: each node keeps its own copy and
 * writes it back) folded into one. Each step of an alert's life happens once
 * and never un-happens, so a step either copy has seen is kept, at its earliest
 * time: an acknowledgement given on node B survives node A writing back its
 * older copy with a refreshed text, and an acknowledgement is never lost to a
 * race. Wording and severity come from the copy changed last. The fold is
 * order-free (merge(a, b) equals merge(b, a)), so every node ends on the same alert.
 */
export function mergeAlert(a: Alert, b: Alert): Alert {
  const newer = b.updated_at > a.updated_at || (b.updated_at === a.updated_at && JSON.stringify(b) > JSON.stringify(a)) ? b : a;
  const acked = !a.acknowledged_at ? b : !b.acknowledged_at ? a : a.acknowledged_at <= b.acknowledged_at ? a : b;
  const firstByStep = new Map<AlertReceipt['step'], AlertReceipt>();
  for (const receipt of [...a.receipts, ...b.receipts]) {
    const seen = firstByStep.get(receipt.step);
    if (!seen || receipt.at < seen.at) firstByStep.set(receipt.step, receipt);
  }
  return {
    ...newer,
    data: { ...newer.data },
    escalated: a.escalated || b.escalated,
    escalated_at: earliest(a.escalated_at, b.escalated_at),
    cleared_at: earliest(a.cleared_at, b.cleared_at),
    acknowledged_at: acked.acknowledged_at,
    acknowledged_by: acked.acknowledged_by,
    delivered_at: earliest(a.delivered_at, b.delivered_at),
    displayed_at: earliest(a.displayed_at, b.displayed_at),
    receipts: [...firstByStep.values()].sort((x, y) => x.at.localeCompare(y.at))
  };
}

/**
 * Cluster mode: two nodes raised an alert for the same condition key before
 * either heard of the other's (one open alert per key is the rule, kept by a
 * unique index). The alert stored first stays; the second is folded into it as
 * a refresh would be (its wording, a raised severity, the earlier deadline)
 * with every receipt it gathered meanwhile, so an acknowledgement given to the
 * second is not lost. Its own "raised" step is not carried over: the kept alert
 * was raised once, when it was.
 */
export function foldDuplicate(kept: Alert, duplicate: Alert): Alert {
  const asRefresh: Alert = {
    ...kept,
    severity: duplicate.severity,
    title: duplicate.title,
    message: duplicate.message,
    data: { ...duplicate.data },
    updated_at: duplicate.updated_at,
    deadline_at: earliest(kept.deadline_at, duplicate.deadline_at),
    escalated: duplicate.escalated,
    escalated_at: duplicate.escalated_at,
    acknowledged_at: duplicate.acknowledged_at,
    acknowledged_by: duplicate.acknowledged_by,
    delivered_at: duplicate.delivered_at,
    displayed_at: duplicate.displayed_at,
    cleared_at: null,
    receipts: duplicate.receipts.filter((r) => r.step !== 'raised')
  };
  return mergeAlert(kept, asRefresh);
}
