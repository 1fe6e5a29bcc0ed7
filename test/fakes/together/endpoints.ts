import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SERVERLESS_MODELS } from './catalogue.js';
import type { FakeContext } from './context.js';
import {
  type Autoscaling,
  type EndpointRecord,
  endpointObject,
  endpointState,
  startEndpoint,
  stopEndpoint,
} from './endpoint-simulation.js';
import { errors } from './errors.js';
import { findHardware, fits, HARDWARE, hardwareObject } from './hardware.js';
import {
  type Body,
  bodyObject,
  optionalEnum,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
} from './validation.js';

/**
 * Dedicated endpoints (`/v1/endpoints…`) and the hardware they run on (`/v1/hardware`). An
 * endpoint serves chat for its model (or under its own `name`) once STARTED; a caller can price it
 * from the hardware's `cents_per_minute` × replicas.
 */

type Query = Record<string, string | undefined>;

export function endpointRoutes(app: FastifyInstance, ctx: FakeContext): void {
  const timing = () => ctx.options().endpointTiming;
  const stateOf = (endpoint: EndpointRecord) => endpointState(endpoint, ctx.now(), timing());
  const findEndpoint = (id: string): EndpointRecord => {
    const endpoint = ctx.state.endpoints.get(id);
    if (!endpoint) throw errors.notFound('Endpoint', id);
    return endpoint;
  };
  const present = (endpoint: EndpointRecord) => endpointObject(endpoint, stateOf(endpoint));

  app.post('/endpoints', async (request) => {
    const body = bodyObject(request.body);
    const model = requiredString(body, 'model');
    const size = ctx.models.deployableSize(model);
    if (size === undefined)
      throw errors.invalidRequest(
        `Model ${model} cannot be deployed on a dedicated endpoint: it does not exist or you do not have access to it.`,
        'model',
        'model_not_available',
      );
    const hardwareId = requiredString(body, 'hardware');
    const hardware = findHardware(hardwareId);
    if (!hardware)
      throw errors.invalidRequest(
        `Unknown hardware ${hardwareId}. GET /v1/hardware lists the configurations.`,
        'hardware',
        'invalid_value',
      );
    if (!fits(hardware, size))
      throw errors.invalidRequest(
        `Hardware ${hardwareId} is too small for ${model}. GET /v1/hardware?model=… lists the configurations that fit.`,
        'hardware',
        'insufficient_hardware',
      );
    if (ctx.options().faults.unavailableHardware?.includes(hardwareId)) {
      throw errors.invalidRequest(
        `Hardware ${hardwareId} is currently unavailable. Try another configuration or retry later.`,
        'hardware',
        'hardware_unavailable',
      );
    }
    const now = ctx.now();
    const shortName = model.split('/').at(-1) ?? model;
    const endpoint: EndpointRecord = {
      id: `endpoint-${randomUUID()}`,
      name: `${ctx.options().namespace}/${shortName}-${randomBytes(4).toString('hex')}`,
      displayName: optionalString(body, 'display_name') ?? '',
      model,
      hardware: hardwareId,
      owner: ctx.options().namespace,
      autoscaling: parseAutoscaling(body, true) as Autoscaling,
      inactiveTimeout: optionalNumber(body, 'inactive_timeout', { min: 0, integer: true }),
      createdAtMs: now,
      schedule: [{ atMs: now, state: 'STOPPED' }],
      lastActiveMs: now,
      failsToStart: ctx.options().faults.endpointErrors === true,
    };
    endpoint.displayName ||= endpoint.name;
    // The spec: "Create a dedicated endpoint, it will start automatically" unless state says STOPPED.
    if ((optionalEnum(body, 'state', ['STARTED', 'STOPPED'] as const) ?? 'STARTED') === 'STARTED')
      startEndpoint(endpoint, now, timing());
    ctx.state.endpoints.set(endpoint.id, endpoint);
    return present(endpoint);
  });

  app.get<{ Querystring: Query }>('/endpoints', async (request) => {
    const type = optionalEnum(request.query, 'type', ['dedicated', 'serverless'] as const);
    optionalEnum(request.query, 'usage_type', ['on-demand', 'reserved'] as const);
    const mine = request.query['mine'] === 'true';
    const dedicated = [...ctx.state.endpoints.values()].map((endpoint) => {
      const { display_name: _name, hardware: _hardware, autoscaling: _autoscaling, ...listed } = present(endpoint);
      return listed;
    });
    const serverless = SERVERLESS_MODELS.filter((model) => ctx.models.serverless(model.id)).map((model) => ({
      object: 'endpoint' as const,
      id: `endpoint-serverless-${model.id.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`,
      name: model.id,
      model: model.id,
      type: 'serverless' as const,
      owner: 'together',
      state: 'STARTED' as const,
      created_at: new Date(model.created * 1000).toISOString(),
    }));
    const all = [...dedicated, ...(mine ? [] : serverless)];
    return { object: 'list', data: type ? all.filter((endpoint) => endpoint.type === type) : all };
  });

  app.get<{ Params: { id: string } }>('/endpoints/:id', async (request) => present(findEndpoint(request.params.id)));

  app.patch<{ Params: { id: string } }>('/endpoints/:id', async (request) => {
    const endpoint = findEndpoint(request.params.id);
    const body = bodyObject(request.body);
    const displayName = optionalString(body, 'display_name');
    const autoscaling = parseAutoscaling(body, false);
    const state = optionalEnum(body, 'state', ['STARTED', 'STOPPED'] as const);
    if (displayName !== null) endpoint.displayName = displayName;
    if (autoscaling) endpoint.autoscaling = autoscaling;
    if ('inactive_timeout' in body)
      endpoint.inactiveTimeout = optionalNumber(body, 'inactive_timeout', { min: 0, integer: true });
    if (state === 'STARTED') startEndpoint(endpoint, ctx.now(), timing());
    if (state === 'STOPPED') stopEndpoint(endpoint, ctx.now(), timing());
    return present(endpoint);
  });

  app.delete<{ Params: { id: string } }>('/endpoints/:id', async (request, reply) => {
    ctx.state.endpoints.delete(findEndpoint(request.params.id).id);
    return reply.code(204).send();
  });

  app.get<{ Querystring: Query }>('/hardware', async (request) => {
    const model = request.query['model'];
    const now = ctx.now();
    const unavailable = new Set(ctx.options().faults.unavailableHardware ?? []);
    if (model === undefined) return { object: 'list', data: HARDWARE.map((hardware) => hardwareObject(hardware, now)) };
    const size = ctx.models.deployableSize(model);
    if (size === undefined)
      throw errors.invalidRequest(
        `Model ${model} cannot be deployed on a dedicated endpoint.`,
        'model',
        'model_not_available',
      );
    // With a model: only the configurations it fits on, each with its availability.
    return {
      object: 'list',
      data: HARDWARE.filter((hardware) => fits(hardware, size)).map((hardware) =>
        hardwareObject(hardware, now, unavailable.has(hardware.id) ? 'unavailable' : 'available'),
      ),
    };
  });
}

function parseAutoscaling(body: Body, required: boolean): Autoscaling | null {
  const raw = optionalObject(body, 'autoscaling');
  if (raw === null) {
    if (required) throw errors.missingParameter('autoscaling');
    return null;
  }
  const min = optionalNumber(raw, 'min_replicas', { min: 0, integer: true }, 'autoscaling.min_replicas');
  const max = optionalNumber(raw, 'max_replicas', { min: 1, integer: true }, 'autoscaling.max_replicas');
  if (min === null) throw errors.missingParameter('autoscaling.min_replicas');
  if (max === null) throw errors.missingParameter('autoscaling.max_replicas');
  if (max < min)
    throw errors.invalidRequest(
      'autoscaling.max_replicas must be at least min_replicas.',
      'autoscaling.max_replicas',
      'invalid_value',
    );
  return { min_replicas: min, max_replicas: max };
}
