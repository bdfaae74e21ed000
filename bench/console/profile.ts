import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/**
 * A Chromium performance trace of a bench page, to find where a figure's time
 * goes before changing anything. The trace holds the page's performance marks
 * and V8's CPU samples on one clock, so the summary covers exactly the measured
 * interval: the main thread's busy time by kind (script, style, layout, paint)
 * and the functions with the most self time. The raw trace opens in Chrome
 * DevTools' Performance panel.
 */

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'v8.execute', 'disabled-by-default-v8.cpu_profiler'];

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: { data?: Record<string, unknown> };
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export async function startPageTrace(page: Page): Promise<{ stop(file: string, from: string, to: string): Promise<string> }> {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: CATEGORIES });
  return {
    async stop(file, from, to) {
      const buffer = await browser.stopTracing();
      writeFileSync(file, buffer);
      const trace = JSON.parse(buffer.toString()) as { traceEvents: TraceEvent[] } | TraceEvent[];
      return summariseTrace(Array.isArray(trace) ? trace : trace.traceEvents, from, to);
    }
  };
}

/** Busy time by top-level task kind and self time by function, between two performance marks. */
export function summariseTrace(events: TraceEvent[], from: string, to: string, top = 20): string {
  const mark = (name: string) => events.find((e) => e.name === name && e.cat.includes('blink.user_timing'));
  const start = mark(from);
  const end = mark(to);
  if (!start || !end) return `trace: marks ${from} / ${to} not found`;
  const { pid } = start;
  const inWindow = (ts: number) => ts >= start.ts && ts <= end.ts;
  // Main-thread work by kind: the trace events directly under the renderer's task loop.
  const mainTid = events.find((e) => e.pid === pid && e.name === 'thread_name' && (e.args as { name?: string } | undefined)?.name === 'CrRendererMain')?.tid ?? start.tid;
  const kinds = new Map<string, number>();
  for (const e of events) {
    if (e.pid !== pid || e.tid !== mainTid || e.ph !== 'X' || !e.dur || !inWindow(e.ts)) continue;
    if (['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'Commit', 'MinorGC', 'MajorGC', 'RunMicrotasks', 'ParseHTML'].includes(e.name)) {
      kinds.set(e.name, (kinds.get(e.name) ?? 0) + e.dur / 1000);
    }
  }
  // V8 samples: a Profile event starts each profile, ProfileChunks carry nodes and samples with time deltas.
  const nodes = new Map<string, Map<number, ProfileNode>>();
  const times = new Map<string, number>();
  const self = new Map<string, number>();
  for (const e of events) {
    if (e.pid !== pid || !e.id) continue;
    if (e.name === 'Profile') times.set(e.id, (e.args?.data as { startTime: number }).startTime);
    if (e.name !== 'ProfileChunk') continue;
    const data = e.args!.data as { cpuProfile?: { nodes?: Array<ProfileNode & { parent?: number }>; samples?: number[] }; timeDeltas?: number[] };
    const known = nodes.get(e.id) ?? new Map<number, ProfileNode>();
    nodes.set(e.id, known);
    for (const n of data.cpuProfile?.nodes ?? []) known.set(n.id, n);
    let t = times.get(e.id) ?? 0;
    (data.cpuProfile?.samples ?? []).forEach((id, i) => {
      const delta = data.timeDeltas?.[i] ?? 0;
      t += delta;
      if (!inWindow(t)) return;
      const frame = known.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') return;
      const key = `${frame.functionName || '(anonymous)'} ${(frame.url ?? '').split('/').pop() ?? ''}:${frame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + delta / 1000);
    });
    times.set(e.id, t);
  }
  const ms = (v: number) => v.toFixed(1).padStart(8);
  return [
    `trace: ${((end.ts - start.ts) / 1000).toFixed(0)} ms from ${from} to ${to}`,
    'main thread by kind:',
    ...[...kinds].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${ms(v)} ms  ${k}`),
    'self time by function:',
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${ms(v)} ms  ${k}`)
  ].join('\n');
}
