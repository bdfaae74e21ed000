import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AmbulanceRequestRecord } from '../../../shared/contract/hub';
import type { HubEventPayload } from '../../../shared/hubEvents';
import { rooms } from '../../../shared/rooms';
import type { AlertCenter } from '../alerts/alertCenter';
import type { EventBus } from '../contract/bus';
import { AppError } from '../errors';
import type { NewSocketLog, SocketLogUpdate } from '../log/types';
import type { HospitalRegistry } from './hospitals';

/** What the flow needs from the hub: fan-out and the socket log. */
export interface AmbulanceHubPort {
  publish(room: string, event: string, data: unknown): void;
  writeLog(entry: NewSocketLog): Promise<{ id: number | null }>;
  updateLog(id: number | null, update: SocketLogUpdate): Promise<void>;
}

export interface AmbulanceRequestsOptions {
  hospitals: HospitalRegistry;
  hub: AmbulanceHubPort;
  alerts: AlertCenter;
  bus: EventBus;
  logger: Logger;
  responseTimeoutMs: number;
  maxAttempts: number;
  /** Requests kept in memory for the console (the socket log keeps them all). */
  keep?: number;
  /** Cluster mode: requests in flight shared by the nodes, each offer's outcome claimed once (cluster/pgAmbulanceRequests.ts). */
  store?: AmbulanceRequestStore;
}

/**
 * Requests in flight kept outside this node. An offer ends once: by the
 * hospital's answer or by its time-out, on whichever node comes first, so both
 * paths claim the offer (`claimOffer`) before acting on it.
 */
export interface AmbulanceRequestStore {
  /** Writes the request as it is now (in the order called). */
  save(request: AmbulanceRequestRecord, offerExpiresAt: string | null): void;
  /** The request as the cluster last saw it. */
  load(id: string): Promise<AmbulanceRequestRecord | undefined>;
  /** True for the one caller that ends offer number `attempt` of this request (a time-out only once the offer expired). */
  claimOffer(id: string, attempt: number, by: 'answer' | 'timeout'): Promise<boolean>;
}

export interface Requester {
  patientId: string;
  socketId: string;
  role: string;
}

export interface AmbulanceRequests {
  /** Opens a request whose log row `logId` is already committed, and offers it to the nearest hospital. */
  open(requester: Requester, payload: HubEventPayload<'ambulance_request'>, logId: number | null): AmbulanceRequestRecord;
  /** A hospital's answer; throws AppError when the request is not this hospital's to answer. */
  respond(hospitalId: string, payload: HubEventPayload<'hospital_response'>): Promise<AmbulanceRequestRecord>;
  list(options?: { status?: AmbulanceRequestRecord['status']; limit?: number }): AmbulanceRequestRecord[];
  get(id: string): AmbulanceRequestRecord | undefined;
  /** Records in the log that an operator linked a request to a CAD incident (the incident report reads it). */
  linkIncident(requestId: string, incidentId: string, operator: { username: string; role: string }): Promise<{ request_id: string; incident_id: string; log_id: number | null }>;
  /** Is this patient's request offered to or accepted by this hospital (access rule)? */
  isPatientRoutedTo(patientId: string, hospitalId: string): boolean;
  /** Cluster mode: takes the cluster's copy of a request (another node changed it); `expired` ends its overdue offer. */
  adopt(request: AmbulanceRequestRecord, options?: { expired?: boolean }): void;
  close(): void;
}

/** The log row saying an operator linked an ambulance request to a CAD incident. */
export const REQUEST_LINKED_EVENT = 'ambulance_request_linked';
/** The log rows of one ambulance request's way through the hospitals (each names its request_id, the first is the request itself). */
export const REQUEST_STEP_EVENTS = ['ambulance_request_offered', 'hospital_response', 'ambulance_request_timeout', 'ambulance_accepted', 'ambulance_rejected'] as const;

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The patient app's ambulance request flow: the nearest accepting hospital (haversine)
 * gets the request in its room; its hospital_response accepts or rejects; a
 * rejection or silence past the timeout passes the request to the next
 * nearest. Every step is a socket-log row, the request's own row goes pending ->
 * success/failed with the hospital, distance and response time, and dispatchers
 * see each change (requests.updated, the `dispatch` room).
 */
export function createAmbulanceRequests(options: AmbulanceRequestsOptions): AmbulanceRequests {
  const { hospitals, hub, alerts, bus, logger } = options;
  const keep = options.keep ?? 1000;
  const requests = new Map<string, AmbulanceRequestRecord>();
  const timers = new Map<string, NodeJS.Timeout>();
  const { store } = options;
  const elapsedMs = (request: AmbulanceRequestRecord) => Date.now() - Date.parse(request.created_at);
  const offerExpiry = (request: AmbulanceRequestRecord) => {
    const attempt = request.attempts.at(-1);
    return request.status === 'pending' && attempt?.outcome === 'offered' ? new Date(Date.parse(attempt.offered_at) + options.responseTimeoutMs).toISOString() : null;
  };

  const logStep = (entry: Omit<NewSocketLog, 'socketId'> & { socketId?: string }) =>
    hub.writeLog({ socketId: 'core', processed: true, status: 'success', ...entry }).catch((err: unknown) => {
      logger.error({ err, event: entry.eventType }, 'ambulance step not logged');
      return { id: null };
    });

  const changed = (request: AmbulanceRequestRecord) => {
    request.updated_at = new Date().toISOString();
    store?.save(request, offerExpiry(request));
    bus.publish('requests.updated', request);
    hub.publish(rooms.dispatch, 'ambulance_request.updated', request);
    hub.publish(rooms.patient(request.patient_id), 'ambulance_request.updated', {
      request_id: request.id,
      status: request.status,
      hospital_id: request.hospital_id,
      hospital_name: request.hospital_name,
      attempt: request.attempts.length
    });
  };

  const trim = () => {
    if (requests.size <= keep) return;
    for (const [id, request] of requests) {
      if (requests.size <= keep) break;
      if (request.status !== 'pending') requests.delete(id);
    }
  };

  const finishFailed = (request: AmbulanceRequestRecord, reason: string) => {
    request.status = 'failed';
    request.error = reason;
    const responseTimeMs = elapsedMs(request);
    request.response_time_ms = responseTimeMs;
    void hub.updateLog(request.log_id, { status: 'failed', errorMessage: reason, responseTimeMs, processed: true });
    const payload = { request_id: request.id, reason, attempts: request.attempts.length, timestamp: new Date().toISOString() };
    hub.publish(rooms.patient(request.patient_id), 'ambulance_rejected', payload);
    void logStep({ eventType: 'ambulance_rejected', userId: request.patient_id, userRole: 'patient', eventData: payload, status: 'failed', errorMessage: reason });
    alerts.raise({
      key: `ambulance:${request.id}`,
      kind: 'ambulance_request',
      severity: 'critical',
      title: `No hospital took patient ${request.patient_id}'s ambulance request`,
      message: `${reason} Call the patient and assign a unit by hand.`,
      source: 'hub',
      patientId: request.patient_id,
      data: { request_id: request.id, attempts: request.attempts.length }
    });
    changed(request);
    trim();
  };

  const offerNext = (request: AmbulanceRequestRecord) => {
    const tried = new Set(request.attempts.map((a) => a.hospital_id));
    if (request.attempts.length >= options.maxAttempts) {
      finishFailed(request, `No hospital accepted after ${request.attempts.length} offers.`);
      return;
    }
    const next = hospitals.nearestAccepting({ latitude: request.latitude, longitude: request.longitude }, tried);
    if (!next) {
      finishFailed(request, request.attempts.length ? 'Every hospital accepting requests declined or did not answer.' : 'No hospital is accepting ambulance requests.');
      return;
    }
    const distance = round2(next.distanceKm);
    const offeredAt = new Date();
    request.attempts.push({
      hospital_id: next.hospital.id,
      hospital_name: next.hospital.name,
      distance_km: distance,
      offered_at: offeredAt.toISOString(),
      outcome: 'offered',
      reason: null,
      answered_at: null
    });
    request.hospital_id = next.hospital.id;
    request.hospital_name = next.hospital.name;
    request.distance_km = distance;
    const expiresAt = new Date(offeredAt.getTime() + options.responseTimeoutMs).toISOString();
    hub.publish(rooms.hospital(next.hospital.id), 'ambulance_request', {
      request_id: request.id,
      patient_id: request.patient_id,
      location: { latitude: request.latitude, longitude: request.longitude },
      emergency_details: request.emergency,
      distance_km: distance,
      attempt: request.attempts.length,
      expires_at: expiresAt,
      timestamp: offeredAt.toISOString()
    });
    void logStep({
      eventType: 'ambulance_request_offered',
      userId: request.patient_id,
      userRole: 'patient',
      eventData: { request_id: request.id, attempt: request.attempts.length, expires_at: expiresAt },
      hospitalId: next.hospital.id,
      hospitalName: next.hospital.name,
      distanceKm: distance,
      patientLatitude: request.latitude,
      patientLongitude: request.longitude
    });
    const timer = setTimeout(() => onTimeout(request.id, next.hospital.id), options.responseTimeoutMs);
    timer.unref();
    timers.set(request.id, timer);
    changed(request);
  };

  const onTimeout = (requestId: string, hospitalId: string) => {
    timers.delete(requestId);
    const request = requests.get(requestId);
    const attempt = request?.attempts.at(-1);
    if (!request || request.status !== 'pending' || !attempt || attempt.hospital_id !== hospitalId || attempt.outcome !== 'offered') return;
    if (!store) return timedOut(request, attempt);
    const number = request.attempts.length;
    store
      .claimOffer(request.id, number, 'timeout')
      .then((won) => {
        // Still this node's copy of that very offer (another node's change may have replaced it meanwhile).
        if (won && requests.get(requestId) === request && request.attempts.length === number && attempt.outcome === 'offered') timedOut(request, attempt);
      })
      .catch((err: unknown) => logger.error({ err, request: requestId }, 'could not claim an ambulance offer\'s time-out; another node\'s sweep ends it'));
  };

  const timedOut = (request: AmbulanceRequestRecord, attempt: AmbulanceRequestRecord['attempts'][number]) => {
    const requestId = request.id;
    const hospitalId = attempt.hospital_id;
    attempt.outcome = 'timeout';
    attempt.answered_at = new Date().toISOString();
    attempt.reason = `No answer within ${Math.round(options.responseTimeoutMs / 1000)} s.`;
    hub.publish(rooms.hospital(hospitalId), 'ambulance_request_withdrawn', { request_id: requestId, reason: attempt.reason, timestamp: attempt.answered_at });
    void logStep({
      eventType: 'ambulance_request_timeout',
      userId: request.patient_id,
      userRole: 'patient',
      eventData: { request_id: requestId, attempt: request.attempts.length },
      hospitalId,
      hospitalName: attempt.hospital_name,
      status: 'failed',
      errorMessage: attempt.reason
    });
    offerNext(request);
  };

  const service: AmbulanceRequests = {
    open(requester, payload, logId) {
      const now = new Date().toISOString();
      const request: AmbulanceRequestRecord = {
        id: randomUUID(),
        log_id: logId,
        patient_id: requester.patientId,
        latitude: payload.location.latitude,
        longitude: payload.location.longitude,
        emergency: { ...payload.emergency_details, ...(payload.contact_phone ? { contact_phone: payload.contact_phone } : {}) },
        status: 'pending',
        created_at: now,
        updated_at: now,
        hospital_id: null,
        hospital_name: null,
        distance_km: null,
        response_time_ms: null,
        error: null,
        attempts: []
      };
      requests.set(request.id, request);
      offerNext(request);
      return request;
    },
    async respond(hospitalId, payload) {
      const fresh = await store?.load(payload.request_id);
      if (fresh) service.adopt(fresh);
      const request = requests.get(payload.request_id);
      if (!request) throw new AppError('NOT_FOUND', `No ambulance request ${payload.request_id}.`);
      const attempt = request.attempts.at(-1);
      if (request.status !== 'pending' || !attempt || attempt.outcome !== 'offered') {
        throw new AppError('CONFLICT', `Request ${request.id} is no longer waiting for an answer (it is ${request.status}).`);
      }
      if (attempt.hospital_id !== hospitalId) {
        throw new AppError('FORBIDDEN', `Request ${request.id} is offered to another hospital; it may have timed out here.`);
      }
      if (store && !(await store.claimOffer(request.id, request.attempts.length, 'answer'))) {
        throw new AppError('CONFLICT', `Request ${request.id} is no longer waiting for this answer: its offer timed out a moment ago.`);
      }
      clearTimeout(timers.get(request.id));
      timers.delete(request.id);
      attempt.answered_at = new Date().toISOString();
      if (payload.response === 'rejected') {
        attempt.outcome = 'rejected';
        attempt.reason = payload.reason ?? 'No reason given.';
        offerNext(request);
        return request;
      }
      attempt.outcome = 'accepted';
      request.status = 'accepted';
      const responseTimeMs = elapsedMs(request);
      request.response_time_ms = responseTimeMs;
      const accepted = {
        request_id: request.id,
        hospital_id: attempt.hospital_id,
        hospital_name: attempt.hospital_name,
        distance_km: attempt.distance_km,
        eta_minutes: payload.eta_minutes ?? null,
        response_time_ms: responseTimeMs,
        timestamp: attempt.answered_at
      };
      await hub.updateLog(request.log_id, {
        status: 'success',
        responseData: accepted,
        hospitalId: attempt.hospital_id,
        hospitalName: attempt.hospital_name,
        distanceKm: attempt.distance_km,
        responseTimeMs,
        processed: true
      });
      hub.publish(rooms.patient(request.patient_id), 'ambulance_accepted', accepted);
      void logStep({
        eventType: 'ambulance_accepted',
        userId: request.patient_id,
        userRole: 'patient',
        eventData: accepted,
        hospitalId: attempt.hospital_id,
        hospitalName: attempt.hospital_name,
        distanceKm: attempt.distance_km,
        responseTimeMs
      });
      changed(request);
      trim();
      return request;
    },
    async linkIncident(requestId, incidentId, operator) {
      const request = requests.get(requestId);
      if (!request) throw new AppError('NOT_FOUND', `No recent ambulance request ${requestId}; pick one from the requests list.`);
      const { id } = await logStep({
        eventType: REQUEST_LINKED_EVENT,
        socketId: 'console',
        userId: operator.username,
        userRole: operator.role,
        eventData: { request_id: request.id, incident_id: incidentId, request_log_id: request.log_id }
      });
      return { request_id: request.id, incident_id: incidentId, log_id: id };
    },
    list({ status, limit = 200 } = {}) {
      return [...requests.values()]
        .filter((r) => !status || r.status === status)
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, limit);
    },
    get: (id) => requests.get(id),
    isPatientRoutedTo(patientId, hospitalId) {
      for (const request of requests.values()) {
        if (request.patient_id !== patientId) continue;
        const attempt = request.attempts.at(-1);
        if (!attempt || attempt.hospital_id !== hospitalId) continue;
        if ((request.status === 'pending' && attempt.outcome === 'offered') || request.status === 'accepted') return true;
      }
      return false;
    },
    adopt(incoming, { expired = false } = {}) {
      const mine = requests.get(incoming.id);
      if (!mine || incoming.attempts.length > mine.attempts.length || incoming.updated_at > mine.updated_at) {
        requests.set(incoming.id, incoming);
        // Not pushed again: the node that changed it pushed to every node's consoles (Socket.IO's Redis adapter).
        if (mine) clearTimeout(timers.get(incoming.id));
        trim();
      }
      const current = requests.get(incoming.id);
      const hospitalId = current?.attempts.at(-1)?.hospital_id;
      // Only the offer that was found overdue: this node may already have moved on to a newer one.
      if (expired && current && hospitalId && current.attempts.length === incoming.attempts.length) onTimeout(current.id, hospitalId);
    },
    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    }
  };
  return service;
}
