import { Type } from 'typebox';
import type { CascadePlanRecord } from '../../../db/schema/cascade-plans.js';
import { SPLITS } from '../../../domain/datasets/rows.js';
import { resultOf } from '../../../services/routing/cascade-plans-service.js';
import { CascadeStageShare } from '../../schemas/cascade-stages.js';
import { iso, Nullable, Timestamp } from '../../schemas/common.js';

const Metric = Type.Enum(['macro_f1', 'accuracy']);
const Latency = Nullable(Type.Object({ p50: Type.Number(), p95: Type.Number() }));

export const CreateCascadePlanBody = Type.Object(
  {
    model_version_ids: Type.Array(Type.String({ format: 'uuid' }), {
      minItems: 2,
      maxItems: 4,
      description: 'The candidate stages in order, cheapest first; none a cascade',
    }),
    dataset_version_id: Type.String({ format: 'uuid' }),
    choose_on: Type.Enum([...SPLITS], {
      default: 'validation',
      description: 'The split whose stored predictions the thresholds are chosen on',
    }),
    report_on: Type.Enum([...SPLITS], {
      default: 'test',
      description: 'Another split, on which the chosen thresholds are reported (the honest figures)',
    }),
    target: Type.Object(
      {
        metric_at_least: Type.Optional(
          Type.Number({ minimum: 0, maximum: 1, description: 'Cheapest plan with the metric ≥ this' }),
        ),
        within_best: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 1,
            description: 'Cheapest plan within this of the best single candidate’s metric on choose_on (e.g. 0.005)',
          }),
        ),
        max_cost_per_1000: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 1_000_000,
            description: 'Best metric at no more than this USD per 1,000',
          }),
        ),
      },
      { additionalProperties: false, description: 'Exactly one of the three' },
    ),
    metric: Type.Optional(
      Type.Enum(['macro_f1', 'accuracy'], {
        description: 'Default: the task’s routing metric when it is one of these, else macro_f1',
      }),
    ),
    abstain_below: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          maximum: 1,
          description: 'The last stage’s answers below this confidence are withheld (a person decides); not searched',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

const CascadePoint = Type.Object({
  thresholds: Type.Array(Type.Number(), { description: '`min_confidence` of every stage but the last' }),
  rows: Type.Integer(),
  shares: Type.Array(Type.Number(), { description: 'Share of rows each stage answered' }),
  abstained_share: Type.Number(),
  accuracy: Nullable(Type.Number({ description: 'Over the answered rows; a failed last stage counts as wrong' })),
  macro_f1: Nullable(Type.Number()),
  stages: Type.Array(CascadeStageShare),
  cost_per_1000: Nullable(
    Type.Number({ description: 'USD per 1,000: every stage a row went through is paid for; null if one is unpriced' }),
  ),
  latency_ms: Latency,
});

const Single = Type.Object({
  evaluation_id: Type.String({ format: 'uuid' }),
  metric: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  macro_f1: Type.Number(),
  cost_per_1000: Nullable(Type.Number()),
  latency_ms: Latency,
});

export const CascadePlan = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  model_version_ids: Type.Array(Type.String({ format: 'uuid' })),
  dataset_version_id: Type.String({ format: 'uuid' }),
  choose_on: Type.String(),
  report_on: Type.String(),
  metric: Metric,
  target: Type.Object({}, { additionalProperties: true, description: 'As asked' }),
  resolved_target: Type.Object(
    { kind: Type.Enum(['min_metric', 'max_cost_per_1000']), metric: Metric, value: Type.Number() },
    { description: 'As searched: within_best becomes a minimum on the metric' },
  ),
  abstain_below: Nullable(Type.Number()),
  thresholds: Nullable(Type.Array(Type.Number(), { description: 'Chosen; null when no plan meets the target' })),
  reason: Type.String({ description: 'Why these thresholds, or how close the best came' }),
  chosen: Type.Union([CascadePoint, Type.Null()], { description: 'The chosen thresholds on choose_on' }),
  report: Type.Union([CascadePoint, Type.Null()], {
    description: 'The chosen thresholds replayed on report_on: the figures to believe',
  }),
  frontier: Type.Array(CascadePoint, {
    description: 'On choose_on: every point no other is as cheap and as good as, cheapest first',
  }),
  singles: Type.Array(
    Type.Object({ model_version_id: Type.String({ format: 'uuid' }), choose: Single, report: Single }),
    { description: 'Each candidate alone on both splits: what the cascade has to beat' },
  ),
  searched: Type.Object({
    candidates: Type.Array(Type.Array(Type.Number())),
    combinations: Type.Integer(),
  }),
  cascade_model_version_id: Nullable(Type.String({ format: 'uuid', description: 'Set once the plan is applied' })),
  actor: Type.String(),
  created_at: Timestamp,
});

export const presentPlan = (plan: CascadePlanRecord) => {
  const result = resultOf(plan);
  return {
    id: plan.id,
    task_id: plan.taskId,
    model_version_ids: plan.modelVersionIds,
    dataset_version_id: plan.datasetVersionId,
    choose_on: plan.chooseSplit,
    report_on: plan.reportSplit,
    metric: result.metric,
    target: result.target,
    resolved_target: result.resolved_target,
    abstain_below: plan.abstainBelow,
    thresholds: result.thresholds,
    reason: result.reason,
    chosen: result.chosen,
    report: result.report,
    frontier: result.frontier,
    singles: result.singles,
    searched: result.searched,
    cascade_model_version_id: plan.cascadeModelVersionId,
    actor: plan.actor,
    created_at: iso(plan.createdAt),
  };
};
