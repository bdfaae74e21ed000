import { AppError } from '../errors';
import { z } from 'zod';
import { AmbulanceRequestRecordSchema, AMBULANCE_REQUEST_STATUSES, HospitalSchema, HospitalUpdateSchema } from '../../../shared/contract/hub';
import { DISPATCH_ROLES, OPERATOR_ROLES, SUPERVISOR_ROLES } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import type { AmbulanceRequests } from './ambulanceRequests';
import { HospitalSeedSchema, type HospitalRegistry } from './hospitals';

/** REST routes of the hospitals registry and the ambulance requests. */
export function registerHospitalRoutes(ctx: Pick<CoreContext, 'http'>, hospitals: HospitalRegistry, requests: AmbulanceRequests): void {
  const router = ctx.http.router;
  router.route({
    method: 'GET',
    url: '/api/v1/hospitals',
    summary: 'Hospitals registry.',
    tags: ['hospitals'],
    auth: [...OPERATOR_ROLES, 'hospital'],
    response: z.array(HospitalSchema),
    handler: () => hospitals.list()
  });
  router.route({
    method: 'POST',
    url: '/api/v1/hospitals',
    summary: 'Add a hospital.',
    tags: ['hospitals'],
    auth: SUPERVISOR_ROLES,
    body: HospitalSeedSchema.element,
    response: HospitalSchema,
    errors: [400, 401, 403, 409],
    handler: ({ body }) => hospitals.create(body)
  });
  router.route({
    method: 'PATCH',
    url: '/api/v1/hospitals/:id',
    summary: 'Change a hospital (accepting flag, location, contact).',
    tags: ['hospitals'],
    auth: DISPATCH_ROLES,
    params: z.object({ id: z.string().min(1).max(128) }),
    body: HospitalUpdateSchema,
    response: HospitalSchema,
    errors: [400, 401, 403, 404],
    handler: ({ params, body }) => hospitals.update(params.id, body)
  });
  router.route({
    method: 'GET',
    url: '/api/v1/ambulance-requests',
    summary: 'Recent ambulance requests with every hospital offered.',
    tags: ['hospitals'],
    auth: OPERATOR_ROLES,
    query: z.object({ status: z.enum(AMBULANCE_REQUEST_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    response: z.array(AmbulanceRequestRecordSchema),
    handler: ({ query }) => requests.list(query)
  });
}

/** The console's view: the registry, its changes pushed, and the recent requests. */
export function registerHospitalConsole(ctx: Pick<CoreContext, 'api' | 'bus'>, hospitals: HospitalRegistry, requests: AmbulanceRequests): () => void {
  ctx.api.handle('hospitals.list', () => hospitals.list());
  ctx.api.handle('hospitals.update', ({ id, ...patch }) => hospitals.update(id, patch));
  ctx.api.handle('requests.list', ({ status, limit }) => requests.list({ status, limit }));
  ctx.api.handle('requests.linkIncident', ({ request_id, incident_id }, call) => {
    if (!call.operator) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    return requests.linkIncident(request_id, incident_id, call.operator);
  });
  return hospitals.onChange((hospital) => ctx.bus.publish('hospitals.updated', hospital));
}
