import { performance } from 'node:perf_hooks';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ServedBy } from '../../db/schema/predictions.js';
import { exampleIdOf } from '../../domain/datasets/rows.js';
import { newId } from '../../domain/ids.js';
import { errors } from '../../errors.js';
import { ProviderError, type ClassifyOutcome } from '../../providers/provider.js';
import { MODEL_GONE_REASON } from '../model-versions/model-shutdowns.js';
import type { PredictionLog } from '../predictions/prediction-log.js';
import { isOpenCircuit, type ModelBreakers } from './model-breakers.js';
import type { Route, RoutingTable, ServingModel } from './routing-table.js';

export interface Prediction {
  prediction_id: string;
  label: string;
  confidence: number | null;
  probabilities: Record<string, number>;
  model_version_id: string;
  served_by: ServedBy;
  /** Why the champion did not answer, when the fallback did. */
  fallback_reason: string | null;
  latency_ms: number;
}

interface Failure {
  prediction_id: string;
  champion_error: string | null;
  fallback_error: string | null;
}

/** A model answered with something that is not one of the task's labels. */
class UnparseableAnswer extends Error {
  readonly code = 'unparseable_answer';
}

/** What went wrong with a model call, as a short code for responses, records and metrics. */
const reasonOf = (error: unknown): string => {
  if (isOpenCircuit(error)) return 'circuit_open';
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
};

/**
 * The production path: the task's champion answers; when it fails, times out or its circuit is
 * open, the fallback answers and the result says so; when neither can, the caller gets a 503
 * with retry-after, never a made-up label. Every prediction, failed ones too, goes to the
 * prediction log.
 */
export function classifyService(deps: {
  table: Pick<RoutingTable, 'retire' | 'get'>;
  breakers: Pick<ModelBreakers, 'fire' | 'retryAfterSeconds'>;
  log: Pick<PredictionLog, 'record'>;
  metrics: Registry;
}) {
  const registers = [deps.metrics];
  const duration = new Histogram({
    name: 'tuneline_classify_duration_seconds',
    help: 'Time to classify one input, by task and who served it',
    labelNames: ['task', 'served_by'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const served = new Counter({
    name: 'tuneline_classify_total',
    help: 'Classifications by task and outcome (champion, fallback, failed)',
    labelNames: ['task', 'outcome'] as const,
    registers,
  });
  const fallbacks = new Counter({
    name: 'tuneline_classify_fallbacks_total',
    help: 'Classifications the fallback served, by why the champion did not',
    labelNames: ['task', 'reason'] as const,
    registers,
  });

  const ask = async (route: Route, model: ServingModel, text: string): Promise<ClassifyOutcome> => {
    // Prepared per model: the champion may have been trained on cleaned texts and the fallback not.
    const input = model.prepare ? model.prepare(text) : text;
    const answer = await deps.breakers.fire(model.id, route.timeoutMs, (signal) =>
      model.target.classifier.classify(input, model.target.prompt, signal),
    );
    if (answer.label === null)
      throw new UnparseableAnswer(`answered "${answer.rawOutput.slice(0, 100)}", which is not a label`);
    return answer;
  };

  const classifyOne = async (route: Route, text: string, apiKeyId: string): Promise<Prediction | Failure> => {
    const started = performance.now();
    const id = newId();
    let answer: ClassifyOutcome | undefined;
    let model: ServingModel | undefined;
    let servedBy: ServedBy | undefined;
    /** One model's turn: its answer, or why it gave none (and a gone model leaves routing). */
    const turn = async (candidate: ServingModel, role: ServedBy): Promise<string | null> => {
      try {
        answer = await ask(route, candidate, text);
        [model, servedBy] = [candidate, role];
        return null;
      } catch (error) {
        if (error instanceof ProviderError && error.modelGone)
          deps.table.retire(candidate, MODEL_GONE_REASON, 'model_not_found');
        return reasonOf(error);
      }
    };
    const championError = route.champion ? await turn(route.champion, 'champion') : 'no_champion';
    let fallbackError: string | null = null;
    if (!answer) {
      fallbackError =
        route.fallback && route.fallback.id !== route.champion?.id
          ? await turn(route.fallback, 'fallback')
          : 'no_fallback';
    }
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const record = {
      id,
      taskId: route.taskId,
      inputHash: exampleIdOf(text),
      inputText: route.logInputs ? text : null,
      latencyMs,
      apiKeyId,
      createdAt: new Date(),
    };
    if (!answer || !model || !servedBy) {
      served.inc({ task: route.slug, outcome: 'failed' });
      await deps.log.record({
        ...record,
        errorCode: 'no_model_answered',
        error: `champion: ${championError}; fallback: ${fallbackError}`,
      });
      return { prediction_id: id, champion_error: championError, fallback_error: fallbackError };
    }
    const fallbackReason = servedBy === 'fallback' ? championError : null;
    served.inc({ task: route.slug, outcome: servedBy });
    if (fallbackReason) fallbacks.inc({ task: route.slug, reason: fallbackReason });
    duration.observe({ task: route.slug, served_by: servedBy }, latencyMs / 1000);
    const label = answer.label!;
    await deps.log.record({
      ...record,
      modelVersionId: model.id,
      servedBy,
      label,
      confidence: answer.confidence,
      probabilities: answer.probabilities,
      fallbackReason,
    });
    return {
      prediction_id: id,
      label,
      confidence: answer.confidence,
      probabilities: answer.probabilities,
      model_version_id: model.id,
      served_by: servedBy,
      fallback_reason: fallbackReason,
      latency_ms: latencyMs,
    };
  };

  const classify = async (
    taskRef: string,
    inputs: string[],
    caller: { apiKeyId: string },
  ): Promise<{ results: Prediction[] }> => {
    const route = await deps.table.get(taskRef);
    if (route.archived) throw errors.archived('task', taskRef);
    if (!route.champion && !route.fallback) {
      throw errors.noModelRouted(route.slug);
    }
    const outcomes = await Promise.all(inputs.map((text) => classifyOne(route, text, caller.apiKeyId)));
    const failures = outcomes.flatMap((outcome, index) => ('label' in outcome ? [] : [{ index, ...outcome }]));
    if (failures.length > 0) {
      const retryAfter = Math.max(
        route.champion ? deps.breakers.retryAfterSeconds(route.champion.id) : 1,
        route.fallback ? deps.breakers.retryAfterSeconds(route.fallback.id) : 1,
      );
      throw errors.noModelAvailable(
        `Neither the champion nor the fallback of task "${route.slug}" could answer ${failures.length} of ${inputs.length} input(s).`,
        { failures },
        retryAfter,
      );
    }
    return { results: outcomes as Prediction[] };
  };

  return {
    classify,
  };
}

export type ClassifyService = ReturnType<typeof classifyService>;
