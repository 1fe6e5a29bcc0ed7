import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { CascadePlansService } from '../../../services/routing/cascade-plans-service.js';
import { authenticatedErrors, Nullable, pageOf, pageQueryProperties, presentPage } from '../../schemas/common.js';
import { inBody, inPath, taskInPath } from '../../task-bindings.js';
import { ModelVersion, presentModelVersion } from '../model-versions/index.js';
import { CascadePlan, CreateCascadePlanBody, presentPlan } from './cascade-plans-schemas.js';

const tags = ['routing'];
const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) });
const PlanParams = Type.Object({ plan: Type.String({ format: 'uuid' }) });

export const cascadePlansRoutes: FastifyPluginAsyncTypebox<{ cascadePlans: CascadePlansService }> = async (
  app,
  { cascadePlans },
) => {
  const actor = (request: { principal: { keyId: string } | null }) => request.principal?.keyId ?? 'unknown';

  app.post('/v1/tasks/:task/cascade-plans', {
    config: {
      access: 'write',
      idempotent: true,
      tasks: [
        taskInPath,
        inBody('model_version_ids[]', 'modelVersion'),
        inBody('dataset_version_id', 'datasetVersion'),
      ],
    },
    schema: {
      tags,
      operationId: 'createCascadePlan',
      summary:
        'Choose cascade thresholds from stored evaluation predictions (no model calls) on one split, report them on another',
      params: TaskParams,
      body: CreateCascadePlanBody,
      response: { 201: CascadePlan, ...authenticatedErrors(404) },
    },
    handler: async (request, reply) => {
      const { body } = request;
      const plan = await cascadePlans.create(
        request.params.task,
        {
          modelVersionIds: body.model_version_ids,
          datasetVersionId: body.dataset_version_id,
          chooseOn: body.choose_on,
          reportOn: body.report_on,
          target: body.target,
          metric: body.metric,
          abstainBelow: body.abstain_below,
        },
        actor(request),
      );
      return reply.status(201).header('location', `/v1/cascade-plans/${plan.id}`).send(presentPlan(plan));
    },
  });

  app.get('/v1/tasks/:task/cascade-plans', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listCascadePlans',
      summary: 'A task’s cascade plans, newest first',
      params: TaskParams,
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(CascadePlan), ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await cascadePlans.list(request.params.task, request.query), presentPlan),
  });

  app.get('/v1/cascade-plans/:plan', {
    config: { access: 'read', tasks: [inPath('plan', 'cascadePlan')] },
    schema: {
      tags,
      operationId: 'getCascadePlan',
      summary: 'A cascade plan with its frontier, the chosen point, its figures on the report split and the singles',
      params: PlanParams,
      response: { 200: CascadePlan, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPlan(await cascadePlans.get(request.params.plan)),
  });

  app.post('/v1/cascade-plans/:plan/apply', {
    config: { access: 'write', tasks: [inPath('plan', 'cascadePlan')] },
    schema: {
      tags,
      operationId: 'applyCascadePlan',
      summary:
        'Serve the plan: its cascade model version, evaluated on the report split from stored predictions, made champion; applying again changes nothing',
      params: PlanParams,
      response: {
        200: Type.Object({
          cascade_model_version_id: Type.String({ format: 'uuid', description: 'The cascade, now champion' }),
          plan: CascadePlan,
          model_version: ModelVersion,
          cascade: Type.Object({
            stages: Type.Array(
              Type.Object({
                model_version_id: Type.String({ format: 'uuid' }),
                min_confidence: Nullable(Type.Number()),
              }),
            ),
            abstain_below: Nullable(Type.Number()),
          }),
          evaluation_id: Nullable(
            Type.String({ format: 'uuid', description: 'The cascade’s evaluation on report_on' }),
          ),
          applied_now: Type.Boolean({ description: 'false: the plan had been applied before, and nothing changed' }),
        }),
        ...authenticatedErrors(404, 409),
      },
    },
    handler: async (request) => {
      const applied = await cascadePlans.apply(request.params.plan, actor(request));
      const definition = applied.cascade.cascade!;
      return {
        cascade_model_version_id: applied.cascade.id,
        plan: presentPlan(applied.plan),
        model_version: presentModelVersion(applied.cascade),
        cascade: {
          stages: definition.stages.map((stage) => ({
            model_version_id: stage.modelVersionId,
            min_confidence: stage.minConfidence,
          })),
          abstain_below: definition.abstainBelow,
        },
        evaluation_id: applied.evaluation?.id ?? null,
        applied_now: applied.appliedNow,
      };
    },
  });
};
