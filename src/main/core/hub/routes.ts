import { z } from 'zod';
import { HospitalAlertPublishSchema, PatientAlertPublishSchema, DEVICE_STREAM_EVENTS } from '../../../shared/hubEvents';
import { canonicalRoom, rooms } from '../../../shared/rooms';
import { OPERATOR_ROLES } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import { AppError, describeIssues } from '../errors';
import type { HubServices } from './events';
import { connectionViewFor } from './consoleApi';
import { hubRoomCounts } from './hub';
import { publishedAlertKey, publishPatientAlert } from './patientAlerts';
import { parseUntrusted } from '../../../shared/parseUntrusted';

/** The endpoint map: where each kind of client connects. */
const WS_ENDPOINTS = {
  socketio: '/socket.io/ (default namespace; auth.token or ?token=)',
  websocket: '/realtime/ws?token=<jwt>',
  websocket_patient: '/realtime/ws/patient/<patient_id>?token=<jwt>',
  websocket_hospital: '/realtime/ws/hospital/<hospital_id>?token=<jwt>',
  sse: '/realtime/events',
  sse_patient: '/realtime/events/patient/<patient_id>',
  sse_hospital: '/realtime/events/hospital/<hospital_id>',
  sse_device: '/realtime/events/device/<device_type>/<device_id>'
};

const TestPublishSchema = z
  .object({
    /** Generic form: any room, any event name, any data. */
    room: z.string().min(1).max(300).optional(),
    event: z.string().min(1).max(64).optional(),
    data: z.unknown().optional(),
    /** device-stream form: event_type plus patient_id / hospital_id and the event's fields. */
    event_type: z.string().min(1).max(64).optional(),
    patient_id: z.string().min(1).max(128).optional(),
    hospital_id: z.string().min(1).max(128).optional()
  })
  .passthrough();

export function registerHubRoutes(ctx: CoreContext, services: HubServices): void {
  const { hub, emitters } = services;
  const router = ctx.http.router;

  router.route({
    method: 'GET',
    url: '/api/v1/socket-status',
    summary: 'Live connection summary (endpoint summary shape).',
    tags: ['realtime'],
    auth: OPERATOR_ROLES,
    response: z.object({
      active: z.boolean(),
      total_sockets: z.number().int(),
      sockets_by_type: z.record(z.string(), z.number().int()),
      timestamp: z.string(),
      ws_endpoints: z.record(z.string(), z.string())
    }),
    handler: async () => {
      const stats = hub.stats();
      // Cluster mode: every node's connections.
      const byType = { ...stats.by_transport };
      const remote = hub.directory ? await hub.directory.remote() : [];
      for (const c of remote) byType[c.transport] = (byType[c.transport] ?? 0) + 1;
      return { active: true, total_sockets: stats.connections + remote.length, sockets_by_type: byType, timestamp: stats.at, ws_endpoints: WS_ENDPOINTS };
    }
  });

  router.route({
    method: 'GET',
    url: '/realtime/stats',
    summary: 'Connections by room and user (device-stream shape); in cluster mode every node\'s, or ?scope=node for this node\'s own.',
    tags: ['realtime'],
    auth: OPERATOR_ROLES,
    query: z.object({ scope: z.enum(['cluster', 'node']).default('cluster') }),
    response: z.object({
      success: z.literal(true),
      data: z.object({
        total_connections: z.number().int(),
        unique_users: z.number().int(),
        active_rooms: z.number().int(),
        connections_by_room: z.record(z.string(), z.number().int()),
        connections_by_user: z.record(z.string(), z.number().int()),
        /** Cluster mode: which node holds how many connections. */
        connections_by_node: z.record(z.string(), z.number().int()).optional()
      }),
      timestamp: z.string()
    }),
    handler: async ({ identity, query }) => {
      const byUser: Record<string, number> = {};
      for (const conn of hub.registry.all()) byUser[conn.identity.sub] = (byUser[conn.identity.sub] ?? 0) + 1;
      const byRoom = Object.fromEntries(hubRoomCounts(hub));
      // Cluster mode: the other nodes' connections too, and which node holds how many.
      const remote = hub.directory && query.scope === 'cluster' ? await hub.directory.remote() : [];
      const byNode: Record<string, number> = hub.directory ? { [hub.directory.node]: hub.registry.size() } : {};
      for (const c of remote) {
        byUser[c.user] = (byUser[c.user] ?? 0) + 1;
        byNode[c.node] = (byNode[c.node] ?? 0) + 1;
        for (const r of c.rooms) byRoom[r] = (byRoom[r] ?? 0) + 1;
      }
      const uniqueUsers = Object.keys(byUser).length;
      return {
        success: true as const,
        data: {
          ...(hub.directory ? { connections_by_node: byNode } : {}),
          total_connections: hub.registry.size() + remote.length,
          unique_users: uniqueUsers,
          active_rooms: Object.keys(byRoom).length,
          connections_by_room: byRoom,
          // Who is connected is for those who run the floor; others get the counts.
          connections_by_user: connectionViewFor(identity?.role) === 'full' ? byUser : {}
        },
        timestamp: new Date().toISOString()
      };
    }
  });

  router.route({
    method: 'POST',
    url: '/realtime/test/publish',
    summary: 'Publish a test event to a room (admin): {room, event, data} or the device-stream protocol {event_type, patient_id, ...}.',
    tags: ['realtime'],
    auth: ['admin'],
    // An admin's tool for trying large room messages (slow readers, fan-out); the caller is
    // authenticated before the body is read, so the larger limit is not open to anyone.
    bodyLimitBytes: 1024 * 1024,
    body: TestPublishSchema,
    response: z.object({ success: z.literal(true), room: z.string(), event: z.string(), id: z.number().int() }),
    errors: [400, 401, 403],
    handler: async ({ body, identity }) => {
      const { room, event, data, event_type, patient_id, hospital_id, ...rest } = body;
      const published = async (r: string, e: string, d: unknown) => {
        const message = hub.publish(r, e, d);
        await message.assigned; // cluster mode: the id comes from Redis
        if (message.assigned && message.id === 0) throw new AppError('UNAVAILABLE', 'Redis did not take the message: Socket.IO clients may have it, WebSocket and SSE subscribers do not. Try again.');
        return { success: true as const, room: r, event: e, id: message.id };
      };
      if (room) {
        const canonical = canonicalRoom(room);
        if (!canonical) throw new AppError('VALIDATION_FAILED', `"${room.slice(0, 80)}" is not a known room name.`);
        return published(canonical, event ?? event_type ?? 'system.update', data ?? rest);
      }
      const type = event_type ?? event;
      if (!type) throw new AppError('VALIDATION_FAILED', 'Give either room + event or event_type.');
      if (type === 'patient_alert' || type === DEVICE_STREAM_EVENTS.patientAlert) {
        const p = parseUntrusted(PatientAlertPublishSchema, { patient_id, ...rest });
        if (!p.success) throw new AppError('VALIDATION_FAILED', describeIssues(p.error.issues));
        const source = identity?.sub ?? 'rest';
        if (p.data.alert_type === 'critical') services.alerts.assertCanRaise(publishedAlertKey(p.data.patient_id, source));
        publishPatientAlert(services, { patientId: p.data.patient_id, alertType: p.data.alert_type, alertData: p.data.alert_data, source });
        return { success: true as const, room: rooms.patient(p.data.patient_id), event: type, id: hub.history.lastId() };
      }
      if (type === 'hospital_alert') {
        const p = parseUntrusted(HospitalAlertPublishSchema, { hospital_id, ...rest });
        if (!p.success) throw new AppError('VALIDATION_FAILED', describeIssues(p.error.issues));
        emitters.hospitalAlert(p.data.hospital_id, p.data.alert_type, p.data.alert_data);
        return { success: true as const, room: rooms.hospital(p.data.hospital_id), event: type, id: hub.history.lastId() };
      }
      const payload = { ...(patient_id ? { patient_id } : {}), ...(hospital_id ? { hospital_id } : {}), ...rest, timestamp: new Date().toISOString() };
      if (patient_id) {
        const target = type === DEVICE_STREAM_EVENTS.vitalsUpdate ? rooms.patientVitals(patient_id) : type === DEVICE_STREAM_EVENTS.patientAlert ? rooms.patientAlerts(patient_id) : rooms.patient(patient_id);
        return published(target, type, payload);
      }
      if (hospital_id) return published(type.includes('alert') ? rooms.hospitalAlerts(hospital_id) : rooms.hospital(hospital_id), type, payload);
      return published(type.startsWith('system.') ? rooms.systemAlerts : rooms.adminUpdates, type, payload);
    }
  });
}
