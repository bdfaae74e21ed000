import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_NAMESPACE } from '../../../src/shared/contract';
import { sql } from 'kysely';
import pino from 'pino';
import { claimPeriodicRun } from '../../../src/main/core/cluster/periodicClaim';
import { pgAmbulanceRequests } from '../../../src/main/core/cluster/pgAmbulanceRequests';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET } from '../../helpers/cluster';
import { startTestCore, tempDir, tokenFor, type TestCore } from '../../helpers/core';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/engines';
import { waitFor } from '../../helpers/waitFor';
import { emitAck, nextEvent } from '../hub/hubHelpers';

const RESPONSE_TIMEOUT_SECONDS = 3;
const ESCALATE_SECONDS = 1;
const PUMP_INTERVAL_SECONDS = 1.5;

const callOver = (socket: Socket, name: string, input: unknown) =>
  new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => socket.emit('call', name, input, resolve));

describe('two cluster nodes share what must survive a node: operators, revocations, alerts, ambulance requests', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let a: TestCore;
  let b: TestCore;
  const sockets: Socket[] = [];

  const startNode = (nodeName: string) =>
    startTestCore({
      logLevel: 'warn',
      // A fresh data directory each time: whatever a node remembers must come from PostgreSQL, not its SQLite.
      dataDir: tempDir(),
      jwtSecret: CLUSTER_JWT_SECRET,
      cluster: { enabled: true, postgresUrl: pg.url, redisUrl: redis.url, nodeName, logSecret: CLUSTER_LOG_SECRET },
      hub: {
        alertEscalateSeconds: ESCALATE_SECONDS,
        ambulanceResponseTimeoutSeconds: RESPONSE_TIMEOUT_SECONDS,
        ambulanceMaxAttempts: 2,
        // Pumps go stale after 2 x 1.5 s of silence; other devices keep the defaults.
        reportingIntervalSeconds: { pump: PUMP_INTERVAL_SECONDS },
        staleAfterIntervals: 2,
        staleCheckSeconds: 0.25
      }
    });
  const open = (socket: Socket) => {
    sockets.push(socket);
    return socket;
  };
  const fieldSocket = async (node: TestCore, identity: Parameters<typeof tokenFor>[1]) => {
    const socket = open(connect(node.core.url, { transports: ['websocket'], auth: { token: await tokenFor(node.core, identity) } }));
    await waitFor(`${identity.sub} connected to ${node.core.url}`, () => socket.connected);
    return socket;
  };
  const consoleOn = async (node: TestCore, username: string, password: string) => {
    const socket = open(connect(`${node.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'] }));
    return { socket, signIn: await callOver(socket, 'auth.signIn', { username, password }) };
  };
  const flushLogs = async () => {
    for (const node of [a, b]) await (node.core.services as { log: { flush(): Promise<void> } }).log.flush();
  };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const db = openPostgres(pg.url, { max: 1 });
    await migratePostgres(db.db);
    await db.close();
    a = await startNode('node-a');
    b = await startNode('node-b');
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await a?.close();
    await b?.close();
    await redis?.stop();
    await pg?.stop();
  });

  it('an operator created on node A signs in on node B; a password reset or a disable on one node holds on the other', async () => {
    await a.core.operators.add('dana', 'correct horse battery', 'admin');
    await a.core.operators.add('sam', 'first password here', 'dispatcher');
    expect((await consoleOn(b, 'sam', 'first password here')).signIn).toMatchObject({ ok: true, value: { username: 'sam', role: 'dispatcher' } });

    await b.core.operators.resetPassword('sam', 'second password here');
    expect((await consoleOn(a, 'sam', 'first password here')).signIn).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect((await consoleOn(a, 'sam', 'second password here')).signIn).toMatchObject({ ok: true });

    const { socket: admin } = await consoleOn(b, 'dana', 'correct horse battery');
    expect(await callOver(admin, 'admin.setOperatorDisabled', { username: 'sam', disabled: true })).toMatchObject({ ok: true });
    expect((await consoleOn(a, 'sam', 'second password here')).signIn).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    // The last-admin rule is judged on the shared table: node A knows dana is the only admin.
    expect(await a.core.operators.setDisabled('dana', true).catch((err: { code: string }) => err.code)).toBe('CONFLICT');
  });

  it('a device token revoked on node A is refused on node B, and its open socket on B is disconnected', async () => {
    const monitor = await fieldSocket(b, { sub: 'mon-9', role: 'device', device_id: 'M9', device_type: 'monitor' });
    const other = await fieldSocket(b, { sub: 'mon-10', role: 'device', device_id: 'M10', device_type: 'monitor' });
    const revokedToken = (monitor.auth as { token: string }).token;

    await a.core.revocations.revoke('device', 'M9', 'dana', 'tablet reported lost');
    await waitFor('node B to disconnect the revoked monitor', () => !monitor.connected);
    await expect(b.core.tokens.verify(revokedToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(other.connected).toBe(true);
    const again = open(connect(b.core.url, { transports: ['websocket'], auth: { token: revokedToken }, reconnection: false }));
    const refusal = await nextEvent<Error>(again, 'connect_error');
    expect(refusal.message).toMatch(/revoked/i);
  });

  it('an alert raised on node A is acknowledged on node B, and both nodes end with the acknowledgement', async () => {
    const raised = a.core.alerts.raise({ key: 'drill:1', kind: 'system', severity: 'warning', title: 'Drill', message: 'A drill alert.', source: 'test' });
    await waitFor('node B to hear of the alert raised on A', () => b.core.alerts.get(raised.id));
    const { socket: dispatcher } = await consoleOn(b, 'dana', 'correct horse battery');
    expect(await callOver(dispatcher, 'alerts.acknowledge', { id: raised.id })).toMatchObject({ ok: true, value: { acknowledged_by: 'dana' } });
    await waitFor('node A to see the acknowledgement given on B', () => a.core.alerts.get(raised.id)?.acknowledged_by === 'dana');

    // A monitor refreshing the alert's text on A afterwards does not undo B's acknowledgement (writes merge).
    a.core.alerts.raise({ key: 'drill:1', kind: 'system', severity: 'warning', title: 'Drill', message: 'Refreshed text.', source: 'test' });
    await a.core.alerts.flush();
    const stored = await pg.query<{ acknowledged_at: string | null; body: string }>('SELECT acknowledged_at, body FROM alerts WHERE id = $1', [raised.id]);
    expect(stored.rows[0]!.acknowledged_at).not.toBeNull();
    expect(JSON.parse(stored.rows[0]!.body)).toMatchObject({ message: 'Refreshed text.', acknowledged_by: 'dana' });
  });

  it('an unacknowledged critical alert escalates once across both nodes, though both run the escalation timer', async () => {
    const raised = a.core.alerts.raise({ key: 'drill:critical', kind: 'system', severity: 'critical', title: 'Critical drill', message: 'Nobody answers.', source: 'test' });
    await waitFor('both nodes to see the escalation', () => a.core.alerts.get(raised.id)?.escalated && b.core.alerts.get(raised.id)?.escalated);
    for (const node of [a, b]) expect(node.core.alerts.get(raised.id)!.receipts.filter((r) => r.step === 'escalated')).toHaveLength(1);
    await flushLogs();
    const logged = await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM socket_logs WHERE event_type = 'alert_escalated' AND event_data LIKE $1", [`%${raised.id}%`]);
    expect(logged.rows[0]!.n).toBe(1);
  });

  it('a hospital on node B answers a request a patient opened on node A', async () => {
    const patient = await fieldSocket(a, { sub: 'P1', role: 'patient', patient_id: 'P1' });
    const desk = await fieldSocket(b, { sub: 'h1-desk', role: 'hospital', hospital_id: 'H1' });
    const offered = nextEvent<{ request_id: string }>(desk, 'ambulance_request');
    const accepted = nextEvent<{ hospital_id: string }>(patient, 'ambulance_accepted');
    expect(await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'chest_pain', severity: 'critical' } })).toMatchObject({ ok: true, hospital_id: 'H1' });
    const offer = await offered;
    expect(await emitAck(desk, 'hospital_response', { request_id: offer.request_id, response: 'accepted', eta_minutes: 4 })).toMatchObject({ ok: true, status: 'accepted' });
    expect(await accepted).toMatchObject({ hospital_id: 'H1' });
    await waitFor('node A to see the request accepted', () => a.core.services.hospitals.requests.get(offer.request_id)?.status === 'accepted');
  });

  it('an unanswered ambulance request times out once per offer, although both nodes watch it', async () => {
    const patient = await fieldSocket(b, { sub: 'P2', role: 'patient', patient_id: 'P2' });
    const rejected = nextEvent<{ request_id: string; attempts: number }>(patient, 'ambulance_rejected');
    expect(await emitAck(patient, 'ambulance_request', { location: { latitude: 47.7, longitude: -122.33 } })).toMatchObject({ ok: true });
    const { request_id: id, attempts } = await rejected;
    expect(attempts).toBe(2);
    await waitFor('both nodes to see the request failed', () => a.core.services.hospitals.requests.get(id)?.status === 'failed' && b.core.services.hospitals.requests.get(id)?.status === 'failed');
    expect(a.core.services.hospitals.requests.get(id)!.attempts.map((t) => t.outcome)).toEqual(['timeout', 'timeout']);
    await flushLogs();
    const timeouts = await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM socket_logs WHERE event_type = 'ambulance_request_timeout' AND event_data LIKE $1", [`%${id}%`]);
    expect(timeouts.rows[0]!.n).toBe(2);
    const failedAlerts = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts WHERE key = $1', [`ambulance:${id}`]);
    expect(failedAlerts.rows[0]!.n).toBe(1);
  });

  it('when the node that made an offer dies before its time-out, another node times the offer out', async () => {
    const c = await startNode('node-c');
    try {
      const patient = await fieldSocket(c, { sub: 'P3', role: 'patient', patient_id: 'P3' });
      const ack = (await emitAck(patient, 'ambulance_request', { location: { latitude: 47.7, longitude: -122.33 } })) as { ok: boolean; request_id?: string };
      expect(ack.ok).toBe(true);
      const [request] = c.core.services.hospitals.requests.list({ status: 'pending' });
      await waitFor('node A to know of the request node C opened', () => a.core.services.hospitals.requests.get(request!.id));
      await c.close(); // its time-out timer goes with it
      await waitFor('the surviving nodes to time out both offers and fail the request', async () => {
        const row = await pg.query<{ status: string }>('SELECT status FROM ambulance_requests WHERE id = $1', [request!.id]);
        return row.rows[0]?.status === 'failed';
      });
      const failed = await pg.query<{ body: string }>('SELECT body FROM ambulance_requests WHERE id = $1', [request!.id]);
      expect((JSON.parse(failed.rows[0]!.body) as { attempts: Array<{ outcome: string }> }).attempts.map((t) => t.outcome)).toEqual(['timeout', 'timeout']);
    } finally {
      await c.close();
    }
  });

  it('of many nodes claiming one offer at once (answers and time-outs), exactly one wins', async () => {
    // Its own database: nodes a and b sweep every expired offer each second, and
    // would otherwise claim this one (expired on purpose) before the racers do.
    const admin = openPostgres(pg.url, { max: 1 });
    await sql`CREATE DATABASE claim_race`.execute(admin.db);
    await admin.close();
    const raceUrl = pg.url.replace(/\/postgres$/, '/claim_race');
    const migrator = openPostgres(raceUrl, { max: 1 });
    await migratePostgres(migrator.db);
    await migrator.close();
    const pools = [0, 1, 2, 3].map(() => openPostgres(raceUrl, { max: 2 }));
    try {
      const stores = pools.map((pool, i) => pgAmbulanceRequests(pool, { url: raceUrl, node: `claimer-${i}`, logger: pino({ level: 'silent' }) }).store);
      const past = new Date(Date.now() - 60_000).toISOString();
      const request = {
        id: 'claim-race-1', log_id: null, patient_id: 'P9', latitude: 47.6, longitude: -122.3, emergency: {}, status: 'pending' as const,
        created_at: past, updated_at: past, hospital_id: 'H1', hospital_name: 'H1', distance_km: 1, response_time_ms: null, error: null,
        attempts: [{ hospital_id: 'H1', hospital_name: 'H1', distance_km: 1, offered_at: past, outcome: 'offered' as const, reason: null, answered_at: null }]
      };
      stores[0]!.save(request, past);
      await waitFor('the offer to be stored', () => stores[1]!.load(request.id));
      const claims = await Promise.all(stores.flatMap((store) => [1, 2, 3].map((n) => store.claimOffer(request.id, 1, n % 2 ? 'timeout' : 'answer'))));
      expect(claims.filter(Boolean)).toHaveLength(1);
      // A claim on a later attempt number, or with the wrong one, finds nothing: the attempt number fences stale timers.
      expect(await stores[2]!.claimOffer(request.id, 2, 'answer')).toBe(false);
    } finally {
      for (const pool of pools) await pool.close();
    }
  });

  it('a periodic job (log retention) runs on one node per period, whichever nodes\' timers fire', async () => {
    const pools = [0, 1, 2].map(() => openPostgres(pg.url, { max: 3 }));
    try {
      const tick = () => Promise.all(pools.flatMap((pool, i) => [1, 2, 3].map(() => claimPeriodicRun(pool, 'drill-retention', 60_000, `node-${i}`))));
      expect((await tick()).filter(Boolean)).toHaveLength(1);
      // The same period again: nobody runs it.
      expect((await tick()).filter(Boolean)).toHaveLength(0);
      // A period later (its run moved back in time, as if a minute had passed): one node runs it again.
      await pg.query("UPDATE timer_runs SET last_run_at = last_run_at - interval '61 seconds' WHERE kind = 'drill-retention'");
      expect((await tick()).filter(Boolean)).toHaveLength(1);
    } finally {
      for (const pool of pools) await pool.close();
    }
  });

  it('the staleness watchdog judges a device by its last report to any node, and raises and clears its alert once', async () => {
    const key = 'stale:device:pump:PU1';
    const identity = { sub: 'pump-1', role: 'device' as const, device_id: 'PU1', device_type: 'pump' };
    let n = 0;
    const send = (socket: Socket) => emitAck(socket, 'device_data', { event_id: `PU1:${++n}`, data_type: 'infusion_rate', values: { ml_h: 12 } });
    const onA = await fieldSocket(a, identity);
    const onB = await fieldSocket(b, identity);
    expect(await send(onA)).toMatchObject({ ok: true });
    // The pump moves to node B and keeps reporting there for three of its stale windows: node A, which last heard it long ago, must not call it quiet.
    expect(await send(onB)).toMatchObject({ ok: true });
    onA.close();
    const movedAt = Date.now();
    const staleWindowMs = PUMP_INTERVAL_SECONDS * 2 * 1000;
    await waitFor('three stale windows of reports on node B', async () => (await send(onB)).ok && Date.now() - movedAt > 3 * staleWindowMs);
    const whileReporting = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts WHERE key = $1', [key]);
    expect(whileReporting.rows[0]!.n).toBe(0);

    onB.close();
    await waitFor('both nodes to show the pump gone quiet', () => a.core.alerts.openFor(key) && b.core.alerts.openFor(key));
    const raised = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts WHERE key = $1', [key]);
    expect(raised.rows[0]!.n).toBe(1);

    const back = await fieldSocket(a, identity);
    expect(await send(back)).toMatchObject({ ok: true });
    await waitFor('both nodes to clear the stale alert once the pump reports again', () => !a.core.alerts.openFor(key) && !b.core.alerts.openFor(key));
    const cleared = await pg.query<{ cleared: number; open: number }>('SELECT count(*) FILTER (WHERE cleared_at IS NOT NULL)::int AS cleared, count(*) FILTER (WHERE cleared_at IS NULL)::int AS open FROM alerts WHERE key = $1', [key]);
    expect(cleared.rows[0]).toEqual({ cleared: 1, open: 0 });
  });

  it('open alerts survive both nodes restarting (on fresh data directories), and can be acknowledged afterwards', async () => {
    const raised = b.core.alerts.raise({ key: 'drill:restart', kind: 'system', severity: 'warning', title: 'Survives', message: 'Still open after a restart.', source: 'test' });
    await b.core.alerts.flush();
    sockets.splice(0).forEach((s) => s.close());
    await a.close();
    await b.close();
    a = await startNode('node-a');
    b = await startNode('node-b');
    for (const node of [a, b]) expect(node.core.alerts.openFor('drill:restart')).toMatchObject({ id: raised.id, cleared_at: null });
    a.core.alerts.acknowledge(raised.id, 'dana');
    await a.core.alerts.flush();
    await waitFor('node B to see the acknowledgement after the restart', () => b.core.alerts.get(raised.id)?.acknowledged_by === 'dana');
  });
});
