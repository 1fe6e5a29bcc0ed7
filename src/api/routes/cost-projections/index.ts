import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_HORIZON_DAYS, PROJECTION_PRESETS, type ProjectionPresetName } from '../../../domain/cost/projection.js';
import { MIN_SERVED_PREDICTIONS, SERVED_REACH_DAYS } from '../../../services/cost-projections/cascade-option.js';
import type { CostProjectionsService } from '../../../services/cost-projections/cost-projections-service.js';
import { authenticatedErrors, Nullable } from '../../schemas/common.js';
import { inBody } from '../../task-bindings.js';

const Tokens = Type.Number({ minimum: 0, maximum: 10_000_000 });
const Money = Type.Number({ minimum: 0, maximum: 1e9 });

const OptionBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    model_version_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Tokens per call measured by its latest evaluation; its training cost; its dedicated endpoint’s daily cost when one runs. A cascade: each stage priced so, paid on the share of calls reaching it (see reach_rates)',
      }),
    ),
    scenario: Type.Optional(
      Type.Enum(Object.keys(PROJECTION_PRESETS) as ProjectionPresetName[], {
        description: Object.entries(PROJECTION_PRESETS)
          .map(([name, preset]) => `\`${name}\`: ${preset.inputTokensPerCall} in / ${preset.outputTokensPerCall} out`)
          .join('; '),
      }),
    ),
    model: Type.Optional(
      Type.String({ minLength: 1, description: 'Priced model id (gpt-4o-mini, ft:…, local-linear)' }),
    ),
    input_tokens_per_call: Type.Optional(Tokens),
    output_tokens_per_call: Type.Optional(Tokens),
    training_cost_usd: Type.Optional(Money),
    price_per_million: Type.Optional(
      Type.Object(
        { input: Money, output: Money },
        { additionalProperties: false, description: 'USD per 1M tokens, instead of the price table' },
      ),
    ),
    reach_rates: Type.Optional(
      Type.Array(Type.Number({ minimum: 0, maximum: 1 }), {
        minItems: 1,
        maxItems: 20,
        description: `A cascade only: the share of calls reaching each stage (first 1, none above the one before), instead of the measured ones: as served over the last ${SERVED_REACH_DAYS} days when it served at least ${MIN_SERVED_PREDICTIONS} predictions, else as its latest completed evaluation answered`,
      }),
    ),
  },
  { additionalProperties: false },
);

const CascadeStage = Type.Object({
  stage: Type.Integer({ minimum: 0 }),
  model_version_id: Type.String({ format: 'uuid' }),
  model: Type.String(),
  reach_rate: Type.Number({ description: 'Share of calls reaching this stage, each paid its per_call_usd' }),
  price_per_million: Nullable(Type.Object({ input: Type.Number(), output: Type.Number() })),
  price_source: Nullable(
    Type.String({ description: '`price_table` or `dedicated_endpoint`; null when unpriced (and unreached)' }),
  ),
  per_call_usd: Nullable(Type.Number()),
  endpoint_usd_per_day: Type.Number(),
});

const ProjectionBody = Type.Object(
  {
    daily_volume: Type.Number({ minimum: 0, maximum: 1e12, description: 'Classifications on day 0' }),
    daily_growth: Type.Number({
      exclusiveMinimum: -1,
      maximum: 10,
      default: 0,
      description: 'Compound growth per day: 0.01 is 1 %',
    }),
    horizon_days: Type.Integer({ minimum: 1, maximum: MAX_HORIZON_DAYS }),
    options: Type.Array(OptionBody, { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);

const Series = Type.Optional(Type.Array(Type.Number(), { description: 'Per day; only with `?include=daily`' }));

const ProjectionQuery = Type.Object(
  {
    include: Type.Optional(
      Type.Enum(['daily'], {
        description:
          '`daily`: add the per-day arrays (`volume`, each option’s `daily_usd` and `cumulative_usd`); left out by default, as they are most of the answer',
      }),
    ),
  },
  { additionalProperties: false },
);
const Projection = Type.Object({
  price_table_date: Type.String(),
  days: Type.Integer(),
  volume: Series,
  total_volume: Type.Number(),
  options: Type.Array(
    Type.Object({
      name: Type.String(),
      model: Type.String(),
      price_per_million: Nullable(
        Type.Object(
          { input: Type.Number(), output: Type.Number() },
          { description: 'Null for a cascade: each of its stages has its own' },
        ),
      ),
      price_source: Type.String({
        description:
          '`request`, `price_table`, `dedicated_endpoint` (a started dedicated endpoint serves the model version: tokens unbilled, its uptime in endpoint_usd_per_day), or `cascade` (per_call_usd is Σ stage reach rate × stage per-call cost; endpoint_usd_per_day the stages’ endpoints)',
      }),
      per_call_usd: Type.Number(),
      per_1000_usd: Type.Number(),
      training_cost_usd: Type.Number(),
      endpoint_usd_per_day: Type.Number({
        description:
          'USD a day for the model version’s dedicated endpoint (per-minute price × 1440), in every day; 0 without one',
      }),
      daily_usd: Series,
      cumulative_usd: Series,
      total_usd: Type.Number(),
      reach_rates: Type.Optional(
        Type.Array(Type.Number(), { description: 'A cascade: share of calls reaching each stage' }),
      ),
      reach_source: Type.Optional(
        Type.Enum(['served', 'evaluation', 'request'], {
          description: `A cascade: where reach_rates come from: \`served\` (the prediction log, last ${SERVED_REACH_DAYS} days), \`evaluation\` (its latest completed evaluation), or \`request\``,
        }),
      ),
      reach_sample: Type.Optional(
        Nullable(Type.Integer({ description: 'A cascade: predictions or evaluation rows the rates were measured on' })),
      ),
      stages: Type.Optional(Type.Array(CascadeStage)),
    }),
  ),
  break_even: Type.Array(
    Type.Object({
      a: Type.String(),
      b: Type.String(),
      cheaper_at_start: Nullable(Type.String()),
      day: Nullable(Type.Integer({ description: 'First day the option dearer at the start costs no more in total' })),
      crossing_day: Nullable(Type.Number()),
      crossing_cumulative_usd: Nullable(Type.Number()),
      stays_cheaper: Nullable(Type.String()),
      cheaper_at_horizon: Nullable(Type.String()),
    }),
  ),
  cheapest_at_horizon: Type.String(),
  svg: Type.String({
    description: 'The cumulative costs as an SVG chart (ask with Accept: image/svg+xml for the chart alone)',
  }),
});

export const costProjectionsRoutes: FastifyPluginAsyncTypebox<{ costProjections: CostProjectionsService }> = async (
  app,
  { costProjections },
) => {
  app.post('/v1/cost-projections', {
    config: { access: 'read', idempotent: true, tasks: [inBody('options[].model_version_id', 'modelVersion')] },
    schema: {
      tags: ['costs'],
      operationId: 'projectCosts',
      summary: 'Cumulative cost of each option over time, training included, with break-even days and an SVG chart',
      querystring: ProjectionQuery,
      body: ProjectionBody,
      response: { 200: Projection, ...authenticatedErrors() },
    },
    handler: async (request, reply) => {
      const { projection, svg } = await costProjections.project(request.body);
      // The chart alone for clients that ask for it (a browser, an <img>); JSON for everyone else.
      if (request.headers.accept?.includes('image/svg+xml'))
        return reply
          .type('image/svg+xml')
          .serializer(String)
          .send(svg as never);
      if (request.query.include === 'daily') return { ...projection, svg };
      const { volume: _volume, options, ...summary } = projection;
      return {
        ...summary,
        options: options.map(({ daily_usd: _daily, cumulative_usd: _cumulative, ...option }) => option),
        svg,
      };
    },
  });
};
