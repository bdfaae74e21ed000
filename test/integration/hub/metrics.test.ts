import { afterEach, describe, expect, it } from 'vitest';
import { emitAck, startHubHarness, type HubHarness } from './hubHelpers';

let h: HubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** One scrape of /metrics as an admin would make it, parsed into sample -> value. */
async function scrape(harness: HubHarness): Promise<{ text: string; sample(key: string): number | undefined }> {
  const res = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${await harness.token({ sub: 'ops', role: 'admin' })}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { text, sample: (key) => samples.get(key) };
}

describe('/metrics on prom-client', () => {
  it("serves every domain's metrics and the process metrics an operator needs, from one registry", async () => {
    h = await startHubHarness();
    const crew = await h.socket({ sub: 'crew-3', role: 'crew', unit_id: 'U3' });
    for (let i = 0; i < 3; i++) expect(await emitAck(crew, 'update_location', { latitude: 40.7, longitude: -74 })).toMatchObject({ ok: true });
    expect(await emitAck(crew, 'no_such_event', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });

    const { text, sample } = await scrape(h);
    // Hub: per-event counters and the ack histogram (cumulative buckets, +Inf equal to the count).
    expect(sample('switchboard_hub_events_in_total{event="update_location"}')).toBe(3);
    expect(sample('switchboard_hub_events_in_total{event="unknown"}')).toBe(1);
    expect(sample('switchboard_hub_rejections_total{code="UNKNOWN_EVENT"}')).toBe(1);
    expect(sample('switchboard_hub_ack_latency_seconds_count')).toBe(4);
    expect(sample('switchboard_hub_ack_latency_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(sample('switchboard_hub_ack_latency_seconds_bucket{le="5"}')).toBe(4);
    expect(sample('switchboard_hub_log_commit_latency_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sample('switchboard_hub_connections{role="crew",transport="socketio"}')).toBe(1);
    expect(sample('switchboard_retained_entries{domain="registry_connections"}')).toBe(1);
    expect(sample('switchboard_process_memory_bytes{kind="rss"}')).toBeGreaterThan(0);
    // The other domains' own metrics.
    expect(sample('switchboard_log_commit_thread')).toBeDefined();
    expect(sample('switchboard_log_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(sample('switchboard_alerts_open{severity="critical"}')).toBe(0);
    expect(sample('switchboard_bridge_outbox_depth')).toBeGreaterThanOrEqual(0);
    expect(sample('switchboard_console_connections')).toBe(0);
    // prom-client's process metrics: CPU, heap, event-loop lag, GC, handles.
    expect(sample('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sample('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    expect(sample('nodejs_active_handles_total')).toBeGreaterThan(0);
    // Each metric is described once (a second core in this process would not add a second set).
    expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);

    // Counters keep counting between scrapes (each scrape hands prom-client only what is new).
    expect(await emitAck(crew, 'update_location', { latitude: 40.71, longitude: -74 })).toMatchObject({ ok: true });
    expect((await scrape(h)).sample('switchboard_hub_events_in_total{event="update_location"}')).toBe(4);
  });

  it('keeps /metrics for operators: anonymous callers and field roles are refused', async () => {
    h = await startHubHarness();
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    const crew = await h.token({ sub: 'crew-1', role: 'crew', unit_id: 'U1' });
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${crew}` } })).status).toBe(403);
  });
});
