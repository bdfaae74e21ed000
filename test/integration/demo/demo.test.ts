import { afterEach, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../../src/main/cli/commands/demo';
import { runCli } from '../../helpers/cli';
import { CAD_INBOUND_EVENTS } from '../../../src/shared/cad';

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('switchboard demo', () => {
  it('brings up a living city: CAD link healthy, devices connected through the hub, events in the log', async () => {
    demo = await startDemo({ port: 0, deviceSpeed: 0.1, logLevel: 'error' });
    const token = runCli(['token', '--role', 'admin', '--sub', 'test-admin', '--data-dir', demo.dataDir]).stdout.trim();
    const get = async (path: string) => {
      const res = await fetch(`${demo!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return (await res.json()) as Record<string, unknown>;
    };
    const health = await until(async () => {
      const h = await get('/api/socket-bridge/health');
      return h.status === 'healthy' ? h : undefined;
    }, 'a healthy CAD link');
    expect(health).toMatchObject({ bridge: { connected: true, event_handlers_registered: CAD_INBOUND_EVENTS.length } });

    const stats = await until(async () => {
      const s = (await get('/api/v1/socket-logs/statistics')) as { events_by_type: Record<string, number> };
      const t = s.events_by_type;
      return (t.device_data ?? 0) > 0 && (t.update_location ?? 0) > 0 && (t.ambulance_request ?? 0) > 0 ? s : undefined;
    }, 'device data, crew locations and an ambulance request in the socket log');
    console.log('demo log after warm-up:', JSON.stringify(stats.events_by_type));

    const realtime = (await get('/realtime/stats')) as { data: { total_connections: number } };
    expect(realtime.data.total_connections).toBeGreaterThanOrEqual(12);
  });
});
