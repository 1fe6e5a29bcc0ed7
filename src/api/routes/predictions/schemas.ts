import { Type } from 'typebox';
import type { PredictionFeedbackRecord, PredictionRecord } from '../../../db/schema/predictions.js';
import { SERVED_BY } from '../../../db/schema/predictions.js';
import { SPLITS } from '../../../domain/datasets/rows.js';
import { DEFAULT_MIN_DRIFT_SAMPLE } from '../../../domain/monitoring/psi.js';
import { iso, Nullable, pageOf, pageQueryProperties, Timestamp } from '../../schemas/common.js';
import { CascadeFigures } from './cascade-monitoring-schema.js';

export const PredictionParams = Type.Object({ prediction: Type.String({ format: 'uuid' }) });

export const Feedback = Type.Object({
  label: Type.String(),
  comment: Nullable(Type.String()),
  actor: Type.String({ description: 'The API key that gave it' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const StoredPrediction = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  model_version_id: Nullable(Type.String({ format: 'uuid' })),
  served_by: Nullable(Type.Enum([...SERVED_BY], { description: 'null when no model could answer' })),
  input_hash: Type.String({ description: 'SHA-256 of the input (the dataset example id of the same text)' }),
  input: Nullable(Type.String({ description: 'null when the task does not log inputs' })),
  label: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  probabilities: Nullable(Type.Record(Type.String(), Type.Number())),
  latency_ms: Type.Number(),
  fallback_reason: Nullable(Type.String()),
  error_code: Nullable(Type.String()),
  error: Nullable(Type.String()),
  created_at: Timestamp,
  cascade_model_version_id: Nullable(
    Type.String({
      format: 'uuid',
      description: 'The cascade that served it (model_version_id is the stage that answered)',
    }),
  ),
  stage: Nullable(Type.Integer({ description: 'Index of the cascade stage that answered; null otherwise' })),
  escalated: Type.Array(Type.Object({ stage: Type.Integer(), confidence: Nullable(Type.Number()) }), {
    description: 'Cascade stages that passed it on, with the confidence that fell short (null: failed)',
  }),
  abstained: Type.Boolean({ description: 'The cascade withheld the label (it is in the review queue until feedback)' }),
  feedback: Nullable(Feedback),
});

export const PredictionPage = pageOf(StoredPrediction);

export const FeedbackBody = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 200, description: 'The true label (one of the task’s)' }),
    comment: Type.Optional(Type.String({ maxLength: 2_000 })),
  },
  { additionalProperties: false },
);

export const ListPredictionsQuery = Type.Object(
  {
    ...pageQueryProperties,
    served_by: Type.Optional(Type.Enum([...SERVED_BY, 'failed'])),
    has_feedback: Type.Optional(Type.Boolean()),
    abstained: Type.Optional(Type.Boolean({ description: 'true: only predictions a cascade abstained on' })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const MonitoringQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 hours before `until`' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    bucket_seconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 366 * 24 * 3600,
        description: 'Width of each series bucket; default: about 24 buckets',
      }),
    ),
    reference_version_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Training data to measure drift against; default: the champion’s' }),
    ),
    min_predictions: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: DEFAULT_MIN_DRIFT_SAMPLE,
      description: 'Predictions the window needs before drift can be `significant`; fewer give `insufficient_sample`',
    }),
  },
  { additionalProperties: false },
);

const Ratio = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Figures = {
  predictions: Type.Integer(),
  served_by_champion: Type.Integer(),
  served_by_fallback: Type.Integer(),
  failed: Type.Integer({ description: 'Neither model could answer' }),
  fallback_rate: Ratio,
  error_rate: Ratio,
  latency_ms: Type.Object({ p50: Nullable(Type.Number()), p95: Nullable(Type.Number()), p99: Nullable(Type.Number()) }),
  feedback: Type.Integer({ description: 'Predictions with feedback' }),
  correct: Type.Integer({ description: 'Of those, how many the model got right' }),
  live_accuracy: Ratio,
};
const ModelFigures = Type.Object({ model_version_id: Type.String({ format: 'uuid' }), ...Figures });

export const Monitoring = Type.Object({
  task: Type.String(),
  since: Timestamp,
  until: Timestamp,
  bucket_seconds: Type.Integer(),
  totals: Type.Object(Figures),
  models: Type.Array(ModelFigures),
  series: Type.Array(Type.Object({ start: Timestamp, ...Figures, models: Type.Array(ModelFigures) })),
  predicted_labels: Type.Record(Type.String(), Type.Integer()),
  drift: Type.Object({
    psi: Nullable(Type.Number({ description: 'Population stability index of predicted labels against the reference' })),
    level: Nullable(
      Type.Enum(['stable', 'moderate', 'significant'], {
        description: '< 0.1 stable, 0.1–0.25 moderate, > 0.25 significant; null under the minimum sample',
      }),
    ),
    significant: Type.Boolean({
      description: 'level is significant and the window holds at least min_predictions predictions',
    }),
    insufficient_sample: Type.Optional(
      Type.Boolean({ description: 'Fewer predictions than min_predictions: psi is shown, but no level is claimed' }),
    ),
    sample: Type.Optional(
      Type.Object({
        predictions: Type.Integer({ description: 'Predictions in the window with one of the task’s labels' }),
        reference_rows: Type.Integer(),
        min_predictions: Type.Integer(),
      }),
    ),
    reason: Type.Optional(Type.String()),
    reference_version_id: Type.Optional(Type.String({ format: 'uuid' })),
    reference_split: Type.Optional(Type.Enum(['train', 'all'])),
    labels: Type.Optional(
      Type.Array(
        Type.Object({
          label: Type.String(),
          expected_share: Type.Number(),
          actual_share: Type.Number(),
          contribution: Type.Number(),
        }),
      ),
    ),
  }),
  cascades: Type.Array(CascadeFigures, {
    description: 'Cascades that served predictions in the window (empty when none did)',
  }),
});

export const MergeFeedbackBody = Type.Object(
  {
    split: Type.Optional(
      Nullable(Type.Enum([...SPLITS], { description: 'Split of inputs the version lacks; default train' })),
    ),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Only feedback given from then on' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Only feedback given before then' })),
  },
  { additionalProperties: false },
);

const presentFeedback = (feedback: PredictionFeedbackRecord) => ({
  label: feedback.label,
  comment: feedback.comment,
  actor: feedback.actor,
  created_at: iso(feedback.createdAt),
  updated_at: iso(feedback.updatedAt),
});

export const presentPrediction = ({
  prediction,
  feedback,
}: {
  prediction: PredictionRecord;
  feedback: PredictionFeedbackRecord | null;
}) => ({
  id: prediction.id,
  task_id: prediction.taskId,
  model_version_id: prediction.modelVersionId,
  served_by: prediction.servedBy,
  input_hash: prediction.inputHash,
  input: prediction.inputText,
  label: prediction.label,
  confidence: prediction.confidence,
  probabilities: prediction.probabilities,
  latency_ms: prediction.latencyMs,
  fallback_reason: prediction.fallbackReason,
  error_code: prediction.errorCode,
  error: prediction.error,
  created_at: iso(prediction.createdAt),
  cascade_model_version_id: prediction.cascadeId,
  stage: prediction.stage,
  escalated: prediction.escalated ?? [],
  abstained: prediction.abstained,
  feedback: feedback ? presentFeedback(feedback) : null,
});
