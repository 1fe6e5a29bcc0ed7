import { Type, type Static } from 'typebox';
import type { LabelResultRecord } from '../../../db/schema/label-runs.js';
import { LABEL_RUN_STATUSES } from '../../../db/schema/label-runs.js';
import { LABELING_MODES, type LabelRunRequest } from '../../../domain/labeling/label-run-request.js';
import type { CreateLabelRunInput, LabelRunView } from '../../../services/label-runs/label-runs-service.js';
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
const Probability = Type.Number({ minimum: 0, maximum: 1 });

export const CreateLabelRunBody = Type.Object(
  {
    provider: ProviderConnectionName(
      'A connection: `openai`, `together`, `local` (offline TF-IDF few-shot model), or one from the connections file (`GET /v1/providers`)',
    ),
    model: Type.Optional(
      Type.String({ minLength: 1, description: "Default: the connection's `default_model` in `GET /v1/providers`" }),
    ),
    mode: Type.Enum([...LABELING_MODES], { default: 'zero_shot' }),
    k: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: 'Few-shot examples drawn stratified from labeled rows (default 8)',
      }),
    ),
    few_shot_examples: Type.Optional(
      Type.Array(
        Type.Object(
          { text: Type.String({ minLength: 1 }), label: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 100,
          description: 'Given examples instead of drawn ones',
        },
      ),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    instructions: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'Instead of the task’s' })),
    only_unlabeled: Type.Boolean({ default: true }),
    refine: Type.Optional(
      Type.Object(
        {
          negative_label: Type.Optional(
            Type.String({ minLength: 1, description: 'Default: the task’s label named `nil`' }),
          ),
          min_confidence: Probability,
          signal_prompt: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 20_000,
              description:
                'Ask this yes/no question ("does this message carry enough signal to say who answers it?") instead of the task’s: rows whose "yes" gets under min_confidence take negative_label, others stay as they are',
            }),
          ),
          signal_examples: Type.Optional(
            Type.Array(
              Type.Object(
                { text: Type.String({ minLength: 1 }), signal: Type.Boolean() },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 100, description: 'Few-shot pairs for signal_prompt' },
            ),
          ),
        },
        {
          additionalProperties: false,
          description:
            'Signal-strength pass: answers under min_confidence become negative_label; with only_unlabeled false, so do labeled rows whose current label the LLM gives under min_confidence',
        },
      ),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          max_examples: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
          max_cost_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9 })),
        },
        { additionalProperties: false },
      ),
    ),
    rate_limit: Type.Optional(
      Type.Object(
        {
          rpm: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
          tpm: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000 })),
        },
        {
          additionalProperties: false,
          description: 'The provider’s limits for this model (default OPENAI_RPM / OPENAI_TPM)',
        },
      ),
    ),
    low_confidence_threshold: Type.Optional(Probability),
  },
  { additionalProperties: false },
);

/** The body without `only_unlabeled`: also a pipeline's `label`, which labels only unlabeled rows. */
type LabelingBody = Omit<Static<typeof CreateLabelRunBody>, 'only_unlabeled'>;

/** A label run's request as the service takes it. */
export const labelingInput = (body: LabelingBody): Omit<CreateLabelRunInput, 'onlyUnlabeled'> => ({
  provider: body.provider,
  model: body.model,
  mode: body.mode,
  k: body.k,
  fewShotExamples: body.few_shot_examples,
  seed: body.seed,
  instructions: body.instructions,
  refine: body.refine && {
    negativeLabel: body.refine.negative_label,
    minConfidence: body.refine.min_confidence,
    signalPrompt: body.refine.signal_prompt,
    signalExamples: body.refine.signal_examples,
  },
  limits: body.limits && { maxExamples: body.limits.max_examples, maxCostUsd: body.limits.max_cost_usd },
  rateLimit: body.rate_limit,
  lowConfidenceThreshold: body.low_confidence_threshold,
});

/** What was asked, in the request's shape again, for responses that show it (absent fields stay absent). */
export const labelingBody = (request: Omit<LabelRunRequest, 'onlyUnlabeled'> & { onlyUnlabeled?: boolean }) => ({
  provider: request.provider,
  model: request.model,
  mode: request.mode,
  k: request.k,
  few_shot_examples: request.fewShotExamples,
  seed: request.seed,
  instructions: request.instructions,
  only_unlabeled: request.onlyUnlabeled,
  refine: request.refine && {
    negative_label: request.refine.negativeLabel,
    min_confidence: request.refine.minConfidence,
    signal_prompt: request.refine.signalPrompt,
  },
  limits: request.limits && { max_examples: request.limits.maxExamples, max_cost_usd: request.limits.maxCostUsd },
  rate_limit: request.rateLimit,
  low_confidence_threshold: request.lowConfidenceThreshold,
});

export const RunParams = Type.Object({ run: Type.String({ format: 'uuid' }) });
export const VersionParams = Type.Object({ version: Type.String({ format: 'uuid' }) });
export const ListQuery = Type.Object({ ...pageQueryProperties }, { additionalProperties: false });

export const LabelRun = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  source_version_id: Type.String({ format: 'uuid' }),
  status: Type.Enum([...LABEL_RUN_STATUSES]),
  provider: Type.String(),
  model: Type.String(),
  mode: Type.String(),
  params: Loose,
  prompt: Loose,
  total: Type.Integer(),
  done: Type.Integer({ description: 'Answered: labeled + unparseable' }),
  labeled: Type.Integer(),
  unparseable: Type.Integer({ description: 'The model answered something that is not a label' }),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'Not attempted because the run ended early (cancel, cost limit, failure)' }),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cost_usd: Type.Number(),
  rate_per_minute: Nullable(
    Type.Integer({ description: 'Answers per minute over the last 30 s; null until there are 3 seconds of answers' }),
  ),
  eta_seconds: Nullable(
    Type.Integer({ description: 'Seconds left at that rate; null while the rate is unknown, 0 once the run ended' }),
  ),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  stop_reason: Nullable(Type.String()),
  result_version_id: Nullable(Type.String({ format: 'uuid' })),
  report: Nullable(Loose),
  created_at: Timestamp,
  started_at: NullableTimestamp,
  finished_at: NullableTimestamp,
});

const LabelResult = Type.Object({
  example_id: Type.String(),
  text: Type.String(),
  current_label: Nullable(Type.String({ description: "The example's label in the run's source version" })),
  status: Type.Enum(['labeled', 'unparseable', 'failed']),
  label: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  probabilities: Nullable(Type.Record(Type.String(), Type.Number())),
  raw_output: Nullable(Type.String()),
  error_code: Nullable(Type.String()),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cost_usd: Nullable(Type.Number()),
  latency_ms: Nullable(Type.Integer()),
  created_at: Timestamp,
});

export const LabelRunPage = pageOf(LabelRun);
export const LabelResultPage = pageOf(LabelResult);

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export function presentRun({ run, progress, rate }: LabelRunView): Static<typeof LabelRun> {
  const done = progress.labeled + progress.unparseable;
  const remaining = run.total - done - progress.failed;
  const terminal = TERMINAL.has(run.status);
  return {
    id: run.id,
    task_id: run.taskId,
    source_version_id: run.sourceVersionId,
    status: run.status,
    provider: run.provider,
    model: run.model,
    mode: run.mode,
    params: labelingBody(run.params),
    prompt: run.prompt,
    total: run.total,
    done,
    labeled: progress.labeled,
    unparseable: progress.unparseable,
    failed: progress.failed,
    skipped: terminal ? remaining : 0,
    input_tokens: progress.inputTokens,
    output_tokens: progress.outputTokens,
    cost_usd: progress.costUsd,
    rate_per_minute: rate.perSecond === null ? null : Math.round(rate.perSecond * 60),
    eta_seconds: rate.etaSeconds,
    error: run.errorCode ? { code: run.errorCode, message: run.errorMessage ?? '' } : null,
    stop_reason: run.stopReason,
    result_version_id: run.resultVersionId,
    report: run.report,
    created_at: iso(run.createdAt),
    started_at: isoOrNull(run.startedAt),
    finished_at: isoOrNull(run.finishedAt),
  };
}

export const isTerminal = (status: string): boolean => TERMINAL.has(status);

export const presentResult = (
  result: LabelResultRecord & { text: string; currentLabel: string | null },
): Static<typeof LabelResult> => ({
  example_id: result.exampleId,
  text: result.text,
  current_label: result.currentLabel,
  status: result.status,
  label: result.label,
  confidence: result.confidence,
  probabilities: result.probabilities,
  raw_output: result.rawOutput,
  error_code: result.errorCode,
  input_tokens: result.inputTokens,
  output_tokens: result.outputTokens,
  cost_usd: result.costUsd,
  latency_ms: result.latencyMs,
  created_at: iso(result.createdAt),
});
