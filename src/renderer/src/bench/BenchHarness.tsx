import { useEffect, useState } from 'react';
import { App } from '../App';
import type { EventPayload } from '../../../shared/contract';
import { api } from '../lib/api';
import type { ConsoleTransport } from '../../../shared/contract/transport';
import type { SocketLogRecord } from '../../../shared/contract/log';
import { VirtualTable } from '../components/VirtualTable';
import { DispatchMap, type MapHandle } from '../features/map/DispatchMap';
import { LOG_COLUMNS } from '../features/audit/AuditView';
import { applyDispatchEvents, subscribeDispatch, useDispatch } from '../stores/dispatchStore';
import { DispatchBench } from './DispatchBench';
import { NaiveMarkers } from './NaiveMarkers';
import { createFleet } from './synthetic';
import { driveFleet } from './driveFleet';
import { createBenchApi } from './benchApi';

/**
 * Benchmark pages (`?bench=map|events|table`), driven by bench/console/*.ts in
 * headless Chromium. They reuse the console's own stores, map and table; only
 * the data source is synthetic. Results are read through window.__bench.
 */

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => Number(params.get(name) ?? fallback);

/** 2,000 (or ?units=) units, each reporting once per second, spread over the second like real traffic. */
function MapBench({ impl }: { impl: 'layer' | 'naive' }) {
  const [map, setMap] = useState<MapHandle | null>(null);
  useEffect(() => {
    const fleet = createFleet(num('units', 2000));
    const handleRef = { current: null as MapHandle | null };
    window.__bench = createBenchApi(() => handleRef.current);
    const stopFleet = driveFleet(fleet);
    (window as unknown as { __setHandle: (h: MapHandle) => void }).__setHandle = (h) => {
      handleRef.current = h;
      (window as unknown as { __benchHandle: MapHandle }).__benchHandle = h;
      setMap(h);
      window.__bench!.ready = true;
    };
    return stopFleet;
  }, []);
  return (
    <div style={{ position: 'fixed', inset: 0 }}>
      <DispatchMap units={impl === 'layer' ? 'layer' : 'none'} zoom={num('zoom', 11.3)} onReady={(h) => (window as unknown as { __setHandle: (h: MapHandle) => void }).__setHandle(h)} />
      {impl === 'naive' && map ? <NaiveMarkers map={map.map} /> : null}
    </div>
  );
}

/**
 * Events at ?rate= per second through a synthetic transport installed as the
 * console's transport: the same api.on parsing, frame batching, store update
 * and map/board rendering as live events. Latency = paint time - send time.
 */
function EventsBench() {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const rate = num('rate', 1000);
    const fleet = createFleet(num('units', 500), 7);
    const listeners = new Set<(name: string, payload: unknown) => void>();
    const transport: ConsoleTransport = {
      call: async () => ({ ok: false, error: { code: 'NOT_IMPLEMENTED', message: 'bench' } }),
      onEvent: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      }
    };
    window.switchboard = transport;
    const bench = createBenchApi(() => null);
    bench.latencies = [];
    bench.eventsSent = 0;
    window.__bench = bench;
    const batched = params.get('batch') !== 'off';
    // Baseline (?batch=off): every event updates the store on its own, as a naive console would.
    const stop = batched
      ? subscribeDispatch()
      : api.on(['dispatch.unitUpdated'], (_name, payload) => applyDispatchEvents([{ name: 'dispatch.unitUpdated', payload: payload as EventPayload<'dispatch.unitUpdated'> }]));
    let pending: number[] = [];
    const unsubscribe = useDispatch.subscribe(() => {
      const applied = pending;
      pending = [];
      // After this frame's rendering work, the next task runs once the frame is painted.
      afterPaint(() => {
        const painted = performance.now();
        for (const sent of applied) bench.latencies!.push(painted - sent);
      }, batched);
    });
    let cursor = 0;
    const started = performance.now();
    // Catch up to the target rate on every tick: timers run late on a busy machine.
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - bench.eventsSent!;
      for (let i = 0; i < due; i += 1) {
        const from = cursor % fleet.units.length;
        cursor += 1;
        const payload = { units: fleet.step(from, from + 1), removed: [] };
        pending.push(performance.now());
        bench.eventsSent! += 1;
        listeners.forEach((l) => l('dispatch.unitUpdated', payload));
      }
    }, 5);
    bench.ready = true;
    setReady(true);
    return () => {
      clearInterval(timer);
      stop();
      unsubscribe();
    };
  }, []);
  return ready ? <EventsScreen /> : null;
}

function EventsScreen() {
  const units = useDispatch((s) => s.units);
  const changed = useDispatch((s) => s.changedUnits);
  return (
    <div style={{ position: 'fixed', inset: 0, display: 'grid', gridTemplateColumns: '1fr 320px' }}>
      <DispatchMap />
      <div style={{ overflow: 'hidden', padding: 8 }} data-testid="bench-events">
        <p>{units.size} units</p>
        {changed.slice(0, 30).map((id) => (
          <div key={id}>{`${id} ${units.get(id)?.lat.toFixed(5)}`}</div>
        ))}
      </div>
    </div>
  );
}

/**
 * Runs `fn` once the frame showing the current store update has been painted:
 * a task posted from inside a frame callback runs after that frame's rendering;
 * from anywhere else, the update is rendered in the next frame.
 */
function afterPaint(fn: () => void, insideFrame: boolean) {
  const post = () => {
    const channel = new MessageChannel();
    channel.port1.onmessage = fn;
    channel.port2.postMessage(null);
  };
  if (insideFrame) post();
  else requestAnimationFrame(post);
}

/**
 * The real console (signed in, live from the hub), instrumented: for every unit
 * update applied, latency = painted time - the device's own report time.
 */
function LiveBench() {
  useEffect(() => {
    const bench = createBenchApi(() => null);
    bench.latencies = [];
    window.__bench = bench;
    let seen = useDispatch.getState().units;
    const stop = useDispatch.subscribe((state) => {
      if (state.units === seen) return;
      seen = state.units;
      const stamps: number[] = [];
      for (const id of state.changedUnits) {
        const at = state.units.get(id)?.updatedAt;
        if (at !== undefined) stamps.push(at);
      }
      // The console applies pushed events in a frame callback (frameBatch).
      afterPaint(() => {
        const now = Date.now();
        for (const t of stamps) bench.latencies!.push(now - t);
      }, true);
    });
    bench.ready = true;
    return stop;
  }, []);
  return <App />;
}

/** The audit explorer's table over 100,000 rows held in memory. */
function TableBench() {
  // Rows are made on demand, page by page, and only the pages near the view are
  // kept, the way the explorer holds rows it fetched from the log.
  const [source] = useState(() => {
    const count = num('rows', 100_000);
    const base = Date.now() - count * 1000;
    const pages = new Map<number, SocketLogRecord[]>();
    const PAGE = 500;
    const makePage = (p: number) => {
      const list: SocketLogRecord[] = [];
      for (let i = p * PAGE; i < Math.min(count, (p + 1) * PAGE); i += 1) list.push(syntheticRow(i, base));
      return list;
    };
    return {
      count,
      rowAt(i: number) {
        const p = Math.floor(i / PAGE);
        let page = pages.get(p);
        if (!page) {
          page = makePage(p);
          pages.set(p, page);
          if (pages.size > 40) pages.delete(pages.keys().next().value!);
        }
        return page[i - p * PAGE];
      }
    };
  });
  useEffect(() => {
    const bench = createBenchApi(() => null);
    bench.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => bench.longTasks!.push(e.duration))).observe({ type: 'longtask', buffered: false });
    bench.scrollTo = (top) => {
      const body = document.querySelector('[data-testid="vt-body"]');
      if (body) body.scrollTop = top;
    };
    bench.ready = true;
    window.__bench = bench;
  }, []);
  return (
    <div style={{ padding: 12 }}>
      <VirtualTable label="bench" columns={LOG_COLUMNS} rowCount={source.count} rowAt={source.rowAt} height={700} />
    </div>
  );
}

function syntheticRow(i: number, base: number): SocketLogRecord {
  return {
    id: i + 1,
    event_type: ['update_location', 'ambulance_request', 'hospital_response', 'connect', 'disconnect'][i % 5]!,
    socket_id: `s${i % 300}`,
    user_id: `crew-${i % 120}`,
    user_role: 'crew',
    event_data: null,
    request_data: null,
    response_data: null,
    patient_latitude: null,
    patient_longitude: null,
    hospital_id: i % 3 ? null : `H${i % 12}`,
    hospital_name: i % 3 ? null : `Hospital ${i % 12}`,
    distance_km: null,
    status: i % 17 ? 'success' : 'failed',
    error_message: i % 17 ? null : 'hospital did not answer',
    processed: true,
    created_at: new Date(base + i * 1000).toISOString(),
    processed_at: null,
    response_time_ms: (i * 37) % 900,
    ip_address: null,
    user_agent: null,
    session_duration: null,
    version: 0
  };
}

export function BenchHarness({ mode }: { mode: string }) {
  if (mode === 'map') return <MapBench impl={params.get('impl') === 'naive' ? 'naive' : 'layer'} />;
  if (mode === 'events') return <EventsBench />;
  if (mode === 'table') return <TableBench />;
  if (mode === 'live') return <LiveBench />;
  if (mode === 'dispatch') return <DispatchBench makeApi={createBenchApi} />;
  return <p>Unknown bench mode {mode}</p>;
}
