import { create } from 'zustand';
import type { z } from 'zod';
import type {
  AccessEntry,
  LogFilterSchema,
  SocketLogRecord,
  SocketLogStatistics,
  ThresholdsSchema,
  TimeSeriesBucketSchema,
  VerifyReport
} from '../../../shared/contract/log';
import type { MethodOutput } from '../../../shared/contract';
import { api } from '../lib/api';
import { toRemote, valueOf, type Remote } from './remote';
import { desktop, saveExportThroughDesktop } from '../lib/desktop';

export type RangeKey = '1h' | '24h' | '7d' | '30d' | 'custom';
export const RANGE_MS: Record<Exclude<RangeKey, 'custom'>, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export type TimeSeriesBucket = z.infer<typeof TimeSeriesBucketSchema>;
export type LogThresholds = z.infer<typeof ThresholdsSchema>;
export type TimeSeries = MethodOutput<'log.timeseries'>;

export interface LogFilter {
  eventType: string;
  status: '' | 'pending' | 'success' | 'failed';
  userId: string;
  from: string;
  to: string;
}

const PAGE = 500;
/** Pages kept in memory; scrolling far away drops the farthest ones (they are fetched again if needed). */
const MAX_PAGES = 40;

interface LogState {
  range: RangeKey;
  customFrom: string;
  customTo: string;
  statistics: Remote<SocketLogStatistics>;
  series: Remote<TimeSeries>;
  filter: LogFilter;
  /** The event types the typed event-type text matched when the query ran (null: use the text as typed). */
  matchedTypes: string[] | null;
  /** Rows by index, fetched page by page as the table scrolls. */
  rows: Map<number, SocketLogRecord>;
  total: number | null;
  totalCapped: boolean;
  query: Remote<true>;
  selectedIndex: number | null;
  access: Remote<{ rows: AccessEntry[]; total: number }>;
  verify: Remote<VerifyReport>;
  exportProgress: { format: 'csv' | 'ndjson'; done: number; total: number | null; state: 'running' | 'done' | 'failed'; message?: string; filename?: string } | null;
  setRange(range: RangeKey, from?: string, to?: string): void;
  rangeBounds(): { from: string; to: string };
  loadStatistics(): Promise<void>;
  setFilter(filter: Partial<LogFilter>): void;
  runQuery(): Promise<void>;
  ensureRows(start: number, end: number): void;
  selectIndex(index: number | null): void;
  loadAccess(range?: { from: string; to: string }): Promise<void>;
  runVerify(): Promise<void>;
  exportRows(format: 'csv' | 'ndjson'): Promise<void>;
  report: Remote<AuditReportData>;
  loadReport(): Promise<void>;
}

/** What the printable audit report lists besides statistics and charts. */
export interface AuditReportData {
  from: string;
  to: string;
  failed: SocketLogRecord[];
  failedTotal: number;
  slow: SocketLogRecord[];
  slowThresholdMs: number;
}

const inflight = new Set<number>();
/** The contract takes at most this many event types in one filter. */
const MAX_EVENT_TYPES = 50;

/**
 * Event types whose name contains `text` (case-insensitive), from the counters
 * of all time: typing "ambulance" finds ambulance_request, ambulance_accepted...
 * The match happens here, over the few distinct types, so the query itself stays
 * an index seek on exact types instead of a LIKE scan over millions of rows.
 */
export async function matchEventTypes(text: string): Promise<string[] | null> {
  const needle = text.trim().toLowerCase();
  if (!needle) return null;
  const stats = await api.call('log.statistics', { from: new Date(0).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
  if (!stats.ok) return null;
  const known = Object.keys(stats.value.events_by_type);
  const matches = known.filter((t) => t.toLowerCase().includes(needle)).sort();
  return matches.length ? matches.slice(0, MAX_EVENT_TYPES) : null;
}
let generation = 0;

/** The explorer's filters as the contract's LogFilter input; `eventTypes` are the types the typed text matched. */
export function filterInput(filter: LogFilter, eventTypes: readonly string[] | null = null): z.input<typeof LogFilterSchema> {
  const input: z.input<typeof LogFilterSchema> = {};
  if (eventTypes?.length) input.event_types = [...eventTypes];
  else if (filter.eventType.trim()) input.event_type = filter.eventType.trim();
  if (filter.status) input.status = filter.status;
  if (filter.userId.trim()) input.user_id = filter.userId.trim();
  if (filter.from) input.from = new Date(filter.from).toISOString();
  if (filter.to) input.to = new Date(filter.to).toISOString();
  return input;
}

export const useLog = create<LogState>((set, get) => ({
  range: '1h',
  customFrom: '',
  customTo: '',
  statistics: { state: 'idle' },
  series: { state: 'idle' },
  filter: { eventType: '', status: '', userId: '', from: '', to: '' },
  matchedTypes: null,
  rows: new Map(),
  total: null,
  totalCapped: false,
  query: { state: 'idle' },
  selectedIndex: null,
  access: { state: 'idle' },
  verify: { state: 'idle' },
  exportProgress: null,
  report: { state: 'idle' },
  async loadReport() {
    const bounds = get().rangeBounds();
    set({ report: { state: 'loading' } });
    await get().loadStatistics();
    const [failed, requests] = await Promise.all([
      api.call('log.query', { ...bounds, status: 'failed', limit: 50 }),
      api.call('log.query', { ...bounds, event_type: 'ambulance_request', limit: 1000 })
    ]);
    if (!failed.ok) {
      set({ report: toRemote<AuditReportData>(failed) });
      return;
    }
    if (!requests.ok) {
      set({ report: toRemote<AuditReportData>(requests) });
      return;
    }
    const slowThresholdMs = valueOf(get().series)?.thresholds.maxAvgResponseTimeMs ?? 5000;
    const failedPage = failed.value;
    const slow = requests.value.rows
      .filter((r) => r.response_time_ms !== null && r.response_time_ms > slowThresholdMs)
      .sort((a, b) => (b.response_time_ms ?? 0) - (a.response_time_ms ?? 0))
      .slice(0, 25);
    set({ report: { state: 'ok', at: Date.now(), value: { ...bounds, failed: failedPage.rows, failedTotal: failedPage.total, slow, slowThresholdMs } } });
  },
  setRange(range, from, to) {
    set({ range, customFrom: from ?? get().customFrom, customTo: to ?? get().customTo });
    void get().loadStatistics();
  },
  rangeBounds() {
    const { range, customFrom, customTo } = get();
    if (range === 'custom' && customFrom && customTo) return { from: new Date(customFrom).toISOString(), to: new Date(customTo).toISOString() };
    const to = Date.now();
    return { from: new Date(to - RANGE_MS[range === 'custom' ? '24h' : range]).toISOString(), to: new Date(to).toISOString() };
  },
  async loadStatistics() {
    const bounds = get().rangeBounds();
    const span = Date.parse(bounds.to) - Date.parse(bounds.from);
    const bucket = span <= 3 * 3600_000 ? 'minute' : span <= 3 * 86_400_000 ? 'hour' : 'day';
    set({ statistics: { state: 'loading', value: valueOf(get().statistics) } });
    const [stats, series] = await Promise.all([api.call('log.statistics', bounds), api.call('log.timeseries', { ...bounds, bucket })]);
    set({ statistics: toRemote(stats), series: toRemote(series) });
  },
  setFilter(filter) {
    set({ filter: { ...get().filter, ...filter } });
  },
  async runQuery() {
    inflight.clear();
    generation += 1;
    const mine = generation;
    set({ rows: new Map(), total: null, query: { state: 'loading' }, selectedIndex: null });
    const matchedTypes = await matchEventTypes(get().filter.eventType);
    if (mine !== generation) return;
    set({ matchedTypes });
    await fetchPage(0);
  },
  ensureRows(start, end) {
    const total = get().total;
    if (total === null) return;
    for (let page = Math.floor(start / PAGE); page * PAGE < Math.min(end, total); page += 1) {
      if (!get().rows.has(page * PAGE) && !inflight.has(page)) void fetchPage(page);
    }
  },
  selectIndex(selectedIndex) {
    set({ selectedIndex });
  },
  async loadAccess(range) {
    set({ access: { state: 'loading' } });
    const result = await api.call('log.accessLog', { limit: 200, ...(range ? { start_date: range.from, end_date: range.to } : {}) });
    set({ access: toRemote(result) });
  },
  async runVerify() {
    set({ verify: { state: 'loading' } });
    const result = await api.call('log.verify', {});
    set({ verify: toRemote(result) });
  },
  async exportRows(format) {
    set({ exportProgress: { format, done: 0, total: get().total, state: 'running' } });
    // The export answers once the file is written; log.exportProgress moves the bar meanwhile.
    const result = await api.call('log.export', { format, ...filterInput(get().filter, get().matchedTypes) });
    if (!result.ok) {
      set({ exportProgress: { format, done: 0, total: null, state: 'failed', message: result.error.message } });
      return;
    }
    const job = result.value;
    if (job.state !== 'done') {
      set({ exportProgress: { format, done: job.rows, total: job.total, state: 'failed', message: job.error ?? 'The export did not finish.' } });
      return;
    }
    try {
      await downloadUrl(job.url, job.filename);
      set({ exportProgress: { format, done: job.rows, total: job.rows, state: 'done', filename: job.filename } });
    } catch (err) {
      set({ exportProgress: { format, done: job.rows, total: job.rows, state: 'failed', message: `Download failed: ${(err as Error).message}` } });
    }
  }
}));

async function fetchPage(page: number): Promise<void> {
  inflight.add(page);
  const mine = generation;
  const result = await api.call('log.query', { ...filterInput(useLog.getState().filter, useLog.getState().matchedTypes), offset: page * PAGE, limit: PAGE });
  inflight.delete(page);
  if (mine !== generation) return; // a newer query replaced this one
  const state = useLog.getState();
  if (!result.ok) {
    useLog.setState({ query: toRemote<true>(result), total: state.total ?? 0 });
    return;
  }
  const answer = result.value;
  const rows = new Map(state.rows);
  answer.rows.forEach((row, i) => rows.set(page * PAGE + i, row));
  const pages = [...new Set([...rows.keys()].map((i) => Math.floor(i / PAGE)))];
  if (pages.length > MAX_PAGES) {
    const far = pages.sort((a, b) => Math.abs(b - page) - Math.abs(a - page)).slice(0, pages.length - MAX_PAGES);
    for (const p of far) for (let i = p * PAGE; i < (p + 1) * PAGE; i += 1) rows.delete(i);
  }
  useLog.setState({ rows, total: answer.total, totalCapped: answer.total_capped, query: { state: 'ok', value: true, at: Date.now() } });
}

export function subscribeLog(): () => void {
  return api.onTyped('log.exportProgress', (progress) => {
    const current = useLog.getState().exportProgress;
    if (!current || current.state !== 'running') return;
    useLog.setState({ exportProgress: { ...current, done: progress.done, total: progress.total ?? current.total } });
  });
}

/** Downloads an authenticated export URL (Bearer session token) as a file. */
async function downloadUrl(url: string, filename: string) {
  if (desktop.available()) return saveExportThroughDesktop(url, filename);
  const response = await fetch(url, { headers: api.authHeader() });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const objectUrl = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = objectUrl;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 30_000);
}
