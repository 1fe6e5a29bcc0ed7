import { Type, type Static, type TSchema } from 'typebox';
import { FINE_TUNE_STATUSES, type FineTuneEventRecord, type FineTuneRecord } from '../../../db/schema/fine-tunes.js';
import type { FineTuneRequest } from '../../../domain/training/fine-tune-request.js';
import type { CreateFineTuneInput, FineTunesService } from '../../../services/fine-tunes/fine-tunes-service.js';
import {
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  pageOf,
  pageQueryProperties,
  ProviderConnectionName,
  Timestamp,
} from '../../schemas/common.js';

const Loose = Type.Object({}, { additionalProperties: true });
const AutoOr = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Literal('auto')]);

export const CreateFineTuneBody = Type.Object(
  {
    dataset_version_id: Type.String({
      format: 'uuid',
      description: 'Trains on its train split; validates on its validation split',
    }),
    provider: ProviderConnectionName(
      'A connection that trains: `openai` or `together` (hosted fine-tuning), `local` (the in-process trainer), or one from the connections file (`GET /v1/providers`)',
    ),
    base_model: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Hosted base model (default: the connection's `default_base_model` in `GET /v1/providers`)",
      }),
    ),
    hyperparameters: Type.Optional(
      Type.Object(
        {
          n_epochs: Type.Optional(AutoOr(Type.Integer({ minimum: 1, maximum: 50 }))),
          batch_size: Type.Optional(AutoOr(Type.Integer({ minimum: 1, maximum: 256 }))),
          learning_rate_multiplier: Type.Optional(AutoOr(Type.Number({ exclusiveMinimum: 0, maximum: 10 }))),
          regularization: Type.Optional(
            Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Local trainer only' }),
          ),
          epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Local trainer only' })),
        },
        { additionalProperties: false },
      ),
    ),
    suffix: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
    parent_model_version_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Continue training this fine-tuned model, on the connection that has it, on newer data (Together: from its job, on its base model)',
      }),
    ),
    system_message: Type.Optional(
      Type.Boolean({
        description:
          'false: chat training examples leave out the system message (the model is then asked without one too); default as the parent model was trained, else true',
      }),
    ),
    dry_run: Type.Boolean({ default: false, description: 'Only check the data and estimate epochs, tokens and cost' }),
  },
  { additionalProperties: false },
);

/** The body without what a pipeline decides itself: its candidates' shape. */
type CandidateBody = Omit<Static<typeof CreateFineTuneBody>, 'dataset_version_id' | 'dry_run'>;
type Candidate = Omit<FineTuneRequest, 'datasetVersionId' | 'dryRun'>;

/** A pipeline candidate as the service takes it. Hyperparameters keep the names they are given (the providers'). */
export const candidateInput = (body: CandidateBody): Omit<CreateFineTuneInput, 'datasetVersionId' | 'dryRun'> => ({
  provider: body.provider,
  baseModel: body.base_model,
  hyperparameters: body.hyperparameters,
  suffix: body.suffix,
  seed: body.seed,
  parentModelVersionId: body.parent_model_version_id,
  systemMessage: body.system_message,
});

/** A fine-tune's request as the service takes it. */
export const fineTuneInput = (body: Static<typeof CreateFineTuneBody>): CreateFineTuneInput => ({
  datasetVersionId: body.dataset_version_id,
  ...candidateInput(body),
  dryRun: body.dry_run,
});

/** A candidate in the request's shape again, for responses that show it (absent fields stay absent). */
export const candidateBody = (candidate: Candidate) => ({
  provider: candidate.provider,
  base_model: candidate.baseModel,
  hyperparameters: candidate.hyperparameters,
  suffix: candidate.suffix,
  seed: candidate.seed,
  parent_model_version_id: candidate.parentModelVersionId,
  system_message: candidate.systemMessage,
});

export const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) });
export const FineTuneParams = Type.Object({ fine_tune: Type.String({ format: 'uuid' }) });
export const ListQuery = Type.Object({ ...pageQueryProperties }, { additionalProperties: false });

const Problem = Type.Object({ code: Type.String(), message: Type.String(), blocking: Type.Boolean() });
export const Preflight = Type.Object({
  dry_run: Type.Literal(true),
  base_model: Type.String(),
  preflight: Type.Object({ ok: Type.Boolean(), problems: Type.Array(Problem) }),
  estimate: Type.Object({
    train_examples: Type.Integer(),
    epochs: Type.Integer(),
    billable_tokens: Type.Integer(),
    cost_usd: Nullable(Type.Number()),
    cost_source: Type.Enum(['provider_estimate', 'price_table'], {
      description:
        "Where cost_usd comes from: the provider's own estimate (Together's), or Tuneline's dated price table",
    }),
    price_table_date: Type.String(),
  }),
});

const CurvePoint = Type.Object({
  step: Type.Number(),
  train_loss: Nullable(Type.Number()),
  train_accuracy: Nullable(Type.Number()),
  valid_loss: Nullable(Type.Number()),
  valid_accuracy: Nullable(Type.Number()),
});

const AutoEvaluation = Type.Object(
  {
    status: Type.Enum(['queued', 'skipped']),
    evaluation_id: Nullable(Type.String({ format: 'uuid' })),
    reason: Nullable(Type.String({ description: 'Why it was skipped, e.g. the version has no labeled test rows' })),
  },
  {
    description:
      'The automatic test evaluation of the trained model, decided after it was registered; null until then. A skipped one does not fail the fine-tune.',
  },
);

export const FineTune = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  dataset_version_id: Type.String({ format: 'uuid' }),
  provider: Type.String(),
  base_model: Type.String(),
  parent_model_version_id: Nullable(Type.String()),
  system_message: Type.Boolean({ description: 'false: chat training examples left out the system message' }),
  status: Type.Enum([...FINE_TUNE_STATUSES], {
    description: '`refused`: the provider will not train for this organisation',
  }),
  cancel_requested: Type.Boolean(),
  hyperparameters: Loose,
  resolved_hyperparameters: Nullable(Loose),
  estimate: Nullable(Loose),
  provider_job_id: Nullable(Type.String()),
  training_file_id: Nullable(Type.String()),
  validation_file_id: Nullable(Type.String()),
  fine_tuned_model: Nullable(Type.String()),
  trained_tokens: Nullable(Type.Integer()),
  cost_usd: Nullable(Type.Number()),
  curve: Type.Array(CurvePoint),
  summary: Nullable(Loose),
  error: Nullable(Type.Object({ code: Nullable(Type.String()), message: Nullable(Type.String()) })),
  model_version_id: Nullable(Type.String()),
  auto_evaluation: Nullable(AutoEvaluation),
  created_at: Timestamp,
  finished_at: NullableTimestamp,
});

const FineTuneEvent = Type.Object({
  id: Type.String(),
  created_at: Timestamp,
  level: Type.String(),
  type: Nullable(Type.String()),
  message: Type.String(),
  data: Nullable(Loose),
});

export const FineTuneEventPage = pageOf(FineTuneEvent);

export const FineTuneDetail = Type.Object({
  ...FineTune.properties,
  timeline: Type.Array(Type.Object({ status: Type.String(), at: Timestamp, detail: Nullable(Type.String()) })),
  events: Type.Array(FineTuneEvent, {
    description: 'Newest first, the latest 100; every one, paged, at `GET /v1/fine-tunes/{id}/events`',
  }),
  checkpoints: Type.Array(
    Type.Object({ id: Type.String(), step: Type.Integer(), model: Type.String(), metrics: Nullable(Loose) }),
  ),
});

export const FineTunePage = pageOf(FineTune);

export const presentFineTune = (f: FineTuneRecord) => ({
  id: f.id,
  task_id: f.taskId,
  dataset_version_id: f.datasetVersionId,
  provider: f.provider,
  base_model: f.baseModel,
  parent_model_version_id: f.parentModelVersionId,
  system_message: f.systemMessage,
  status: f.status,
  cancel_requested: f.cancelRequested,
  hyperparameters: f.hyperparameters,
  resolved_hyperparameters: f.resolvedHyperparameters,
  estimate: f.estimate,
  provider_job_id: f.providerJobId,
  training_file_id: f.trainingFileId,
  validation_file_id: f.validationFileId,
  fine_tuned_model: f.fineTunedModel,
  trained_tokens: f.trainedTokens,
  cost_usd: f.costUsd,
  curve: f.curve ?? [],
  summary: f.summary,
  error: f.errorCode || f.errorMessage ? { code: f.errorCode, message: f.errorMessage } : null,
  model_version_id: f.modelVersionId,
  auto_evaluation: f.autoEvaluation,
  created_at: iso(f.createdAt),
  finished_at: isoOrNull(f.finishedAt),
});

export const presentEvent = (e: FineTuneEventRecord) => ({
  id: e.eventId,
  created_at: iso(e.createdAt),
  level: e.level,
  type: e.type,
  message: e.message,
  data: e.data,
});

export const presentDetail = ({
  fineTune,
  transitions,
  events,
  checkpoints,
}: Awaited<ReturnType<FineTunesService['detail']>>) => ({
  ...presentFineTune(fineTune),
  timeline: transitions.map((t) => ({ status: t.status, at: iso(t.at), detail: t.detail })),
  events: events.map(presentEvent),
  checkpoints: checkpoints.map((c) => ({ id: c.checkpointId, step: c.step, model: c.model, metrics: c.metrics })),
});
