import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SERVED_BY } from '../../../db/schema/predictions.js';
import { errors } from '../../../errors.js';
import type { ClassifyService } from '../../../services/classify/classify-service.js';
import { authenticatedErrors, Nullable } from '../../schemas/common.js';
import { TaskParams } from '../datasets/schemas.js';
import { taskInPath } from '../../task-bindings.js';

const StageOutcome = Type.Object({
  index: Type.Integer({ minimum: 0, description: 'Position of the stage in the cascade, from 0' }),
  model_version_id: Type.String({ format: 'uuid' }),
  confidence: Nullable(
    Type.Number({ description: 'The stage’s confidence in its label; null when it gave none or failed' }),
  ),
});

const Result = Type.Object({
  prediction_id: Type.String({ format: 'uuid', description: 'For feedback: POST /v1/predictions/{id}/feedback' }),
  label: Nullable(Type.String({ description: 'null only when a cascade abstained (see abstained)' })),
  confidence: Nullable(Type.Number({ description: 'Probability of the label, when the model gives one' })),
  probabilities: Type.Record(Type.String(), Type.Number(), { description: 'Probability per label' }),
  model_version_id: Type.String({ format: 'uuid' }),
  served_by: Type.Enum([...SERVED_BY]),
  fallback_reason: Nullable(
    Type.String({
      description: 'Why the champion did not answer: timeout, circuit_open, no_champion, a provider error code, ...',
    }),
  ),
  latency_ms: Type.Number(),
  stage: Nullable(
    Type.Object(StageOutcome.properties, {
      description:
        'Served by a cascade: the stage that answered; null for a single champion, the fallback or an abstention',
    }),
  ),
  escalated: Type.Array(
    Type.Object({
      stage: Type.Integer({ minimum: 0 }),
      model_version_id: Type.String({ format: 'uuid' }),
      confidence: Nullable(Type.Number()),
    }),
    {
      description:
        'Cascade stages that passed the input on, in order, with the confidence that fell short (null: failed)',
    },
  ),
  abstained: Type.Boolean({
    description:
      'The cascade’s last stage was below its abstain threshold: label is null and the prediction enters the review queue',
  }),
  cascade_model_version_id: Nullable(
    Type.String({ format: 'uuid', description: 'The cascade champion that served, when the task routes to one' }),
  ),
});

export interface ClassifyRouteOptions {
  classify: ClassifyService;
  maxBatch: number;
  maxTextChars: number;
}

export const classifyRoutes: FastifyPluginAsyncTypebox<ClassifyRouteOptions> = async (
  app,
  { classify, maxBatch, maxTextChars },
) => {
  const Text = Type.String({ minLength: 1, maxLength: maxTextChars });

  app.post('/v1/tasks/:task/classify', {
    config: { access: 'classify', tasks: [taskInPath], rateLimit: {}, idempotent: true },
    schema: {
      tags: ['classify'],
      operationId: 'classify',
      summary: 'Classify one text or a batch with the task’s champion, falling back to its fallback model',
      description:
        'Send `input` (one text) or `inputs` (up to the batch limit). Every result names the model version that answered and ' +
        'whether the champion or the fallback served it. When neither can answer, the response is 503 with `retry-after`. ' +
        'An `Idempotency-Key` header makes retries safe: the same key and body return the same predictions.',
      params: TaskParams,
      body: Type.Object(
        {
          input: Type.Optional(Text),
          inputs: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: maxBatch })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ results: Type.Array(Result) }), ...authenticatedErrors(404, 409, 422, 429, 503) },
    },
    handler: async (request) => {
      const { input, inputs } = request.body;
      if ((input === undefined) === (inputs === undefined)) {
        throw errors.validation('Send exactly one of `input` and `inputs`.', [
          {
            field: input === undefined ? 'body.input' : 'body.inputs',
            message: input === undefined ? 'is required (or inputs)' : 'cannot be sent with input',
          },
        ]);
      }
      const texts = inputs ?? [input!];
      return classify.classify(request.params.task, texts, { apiKeyId: request.principal!.keyId });
    },
  });
};
