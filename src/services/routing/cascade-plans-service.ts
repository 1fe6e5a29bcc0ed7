import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { CascadePlansRepository } from '../../db/repositories/cascade-plans-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { CascadePlanRecord } from '../../db/schema/cascade-plans.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import type { Split } from '../../domain/datasets/rows.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import {
  type CascadeData,
  type CascadeMetric,
  type CascadeTarget,
  evaluateCascade,
  planCascade,
} from '../../domain/routing/cascade-plan.js';
import { type CascadePointJson, cascadePointJson } from '../../domain/routing/cascade-plan-json.js';
import { metricValue } from '../../domain/routing/promotion-policy.js';
import { errors, type FieldProblem } from '../../errors.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { EvaluationsService } from '../evaluations/evaluations-service.js';
import type { StageEvaluations } from '../evaluations/stage-evaluations.js';
import { findOr404 } from '../lookup.js';
import type { CascadeVersions } from '../model-versions/cascade-versions.js';
import type { TasksService } from '../tasks-service.js';
import type { RoutingService } from './routing-service.js';

/** What the user asks the plan to meet: exactly one of the three. */
export interface PlanTargetRequest {
  metric_at_least?: number;
  /** At least the best single candidate's metric on the choose split minus this. */
  within_best?: number;
  max_cost_per_1000?: number;
}

export interface CascadePlanRequest {
  modelVersionIds: string[];
  datasetVersionId: string;
  chooseOn: Split;
  reportOn: Split;
  target: PlanTargetRequest;
  metric?: CascadeMetric;
  abstainBelow?: number | null;
}

/** One candidate alone on a split: the figures a cascade has to beat. */
export interface SingleFigures {
  evaluation_id: string;
  metric: number | null;
  accuracy: number | null;
  macro_f1: number;
  cost_per_1000: number | null;
  latency_ms: { p50: number; p95: number } | null;
}

/** The figures of a plan as computed when it was made, stored in `cascade_plans.result`. */
export interface CascadePlanResult {
  metric: CascadeMetric;
  target: PlanTargetRequest;
  /** The target as searched: `within_best` turned into a minimum on the metric. */
  resolved_target: CascadeTarget;
  thresholds: number[] | null;
  reason: string;
  /** On the choose split. */
  chosen: CascadePointJson | null;
  /** The chosen thresholds replayed on the report split: the figures to believe. */
  report: CascadePointJson | null;
  frontier: CascadePointJson[];
  singles: { model_version_id: string; choose: SingleFigures; report: SingleFigures }[];
  searched: { candidates: number[][]; combinations: number };
}

export const resultOf = (plan: CascadePlanRecord) => plan.result as unknown as CascadePlanResult;

const TARGET_KEYS = ['metric_at_least', 'within_best', 'max_cost_per_1000'] as const;

const singleFigures = (evaluation: EvaluationRecord, metric: CascadeMetric): SingleFigures => {
  const metrics = evaluation.metrics!;
  return {
    evaluation_id: evaluation.id,
    metric: metricValue(metrics, metric),
    accuracy: metrics.report.accuracy,
    macro_f1: metrics.report.macro_avg.f1_score,
    cost_per_1000: metrics.usage.cost_per_1000,
    latency_ms: metrics.latency_ms && { p50: metrics.latency_ms.p50, p95: metrics.latency_ms.p95 },
  };
};

/**
 * Cascade plans: thresholds for candidate models searched on one split's stored evaluation
 * predictions and reported on another, with no model call; applied in one step as a cascade model
 * version that is evaluated the same way and made champion.
 */
export const cascadePlansService = (deps: {
  db: Database;
  cascadePlansRepo: Pick<CascadePlansRepository, 'insert' | 'findById' | 'listForTask' | 'setCascade'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  routingRepo: Pick<RoutingRepository, 'get'>;
  tasks: Pick<TasksService, 'get'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  stages: Pick<StageEvaluations, 'latest' | 'aligned'>;
  cascades: Pick<CascadeVersions, 'findOrCreate'>;
  evaluations: Pick<EvaluationsService, 'create'>;
  routing: Pick<RoutingService, 'promote'>;
}) => {
  const get = (id: string) => findOr404('cascade plan', id, (known) => deps.cascadePlansRepo.findById(known));

  /** The request's own problems, all at once, each with its field. */
  const requestProblems = async (taskId: string, input: CascadePlanRequest): Promise<FieldProblem[]> => {
    const problems: FieldProblem[] = [];
    const given = TARGET_KEYS.filter((key) => input.target[key] !== undefined);
    if (given.length !== 1)
      problems.push({ field: 'body.target', message: `give exactly one of ${TARGET_KEYS.join(', ')}` });
    if (input.chooseOn === input.reportOn)
      problems.push({
        field: 'body.report_on',
        message: 'must differ from choose_on: thresholds scored on the rows they were chosen on flatter the cascade',
      });
    const seen = new Map<string, number>();
    for (const [i, id] of input.modelVersionIds.entries()) {
      const field = `body.model_version_ids[${i}]`;
      const earlier = seen.get(id);
      seen.set(id, i);
      if (earlier !== undefined) {
        problems.push({ field, message: `the same model as model_version_ids[${earlier}]` });
        continue;
      }
      const model = await deps.modelVersionsRepo.findById(id);
      if (!model || model.taskId !== taskId) problems.push({ field, message: 'no such model version of this task' });
      else if (model.kind === 'cascade') problems.push({ field, message: 'a cascade cannot be a stage of a cascade' });
      else if (model.status === 'retired') problems.push({ field, message: 'retired: it cannot serve' });
    }
    const version = await deps.datasets.getVersion(input.datasetVersionId);
    if ((await deps.datasets.getDataset(version.datasetId)).taskId !== taskId)
      problems.push({ field: 'body.dataset_version_id', message: 'not a version of this task’s datasets' });
    return problems;
  };

  /** The rows of one split with every candidate's stored prediction, as the planning core reads them. */
  const splitData = async (evaluations: EvaluationRecord[], ids: string[], labels: string[]): Promise<CascadeData> => {
    const rows: CascadeData['rows'] = [];
    const name = (i: number) => `model_version_ids[${i}] (model version ${ids[i]})`;
    for await (const page of deps.stages.aligned(evaluations, name, new Set(labels))) {
      for (const row of page)
        rows.push({
          trueLabel: row.trueLabel,
          stages: row.predictions.map((p) => ({
            label: p.predicted,
            confidence: p.confidence,
            costUsd: p.costUsd,
            latencyMs: p.latencyMs,
            failed: p.errorCode !== null,
          })),
        });
    }
    return { labels, rows };
  };

  const resolveTarget = (target: PlanTargetRequest, metric: CascadeMetric, best: number | null): CascadeTarget => {
    if (target.max_cost_per_1000 !== undefined)
      return { kind: 'max_cost_per_1000', metric, value: target.max_cost_per_1000 };
    if (target.metric_at_least !== undefined) return { kind: 'min_metric', metric, value: target.metric_at_least };
    // A margin wider than the best model's metric asks for nothing: any plan meets 0.
    return { kind: 'min_metric', metric, value: Math.max(0, (best ?? 0) - target.within_best!) };
  };

  return {
    get,

    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await deps.cascadePlansRepo.listForTask(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
    },

    async create(taskRef: string, input: CascadePlanRequest, actor: string): Promise<CascadePlanRecord> {
      const task = await deps.tasks.get(taskRef);
      const problems = await requestProblems(task.id, input);
      if (problems.length > 0) throw errors.validation('The cascade plan request is invalid.', problems);
      const routing = await deps.routingRepo.get(task.id);
      const metric: CascadeMetric =
        input.metric ?? (routing.metric === 'accuracy' || routing.metric === 'macro_f1' ? routing.metric : 'macro_f1');
      const ids = input.modelVersionIds;
      const splits = [input.chooseOn, input.reportOn] as const;
      const latest = await Promise.all(
        splits.map((split) => deps.stages.latest(task.id, ids, input.datasetVersionId, split)),
      );
      const missing = splits.flatMap((split, s) =>
        latest[s]!.flatMap((evaluation, i) => (evaluation ? [] : [{ index: i, model_version_id: ids[i]!, split }])),
      );
      // Not a bad request: the models exist, their evaluations do not yet (evaluate, then retry).
      if (missing.length > 0)
        throw errors.conflict(
          `A plan is computed from stored predictions only, and ${missing
            .map((m) => `model_version_ids[${m.index}] (model version ${m.model_version_id}) on ${m.split}`)
            .join(', ')} ${missing.length > 1 ? 'have' : 'has'} no completed evaluation of this dataset version.`,
          { missing, dataset_version_id: input.datasetVersionId },
        );
      const [chooseEvaluations, reportEvaluations] = latest as [EvaluationRecord[], EvaluationRecord[]];
      const labels = task.labels.map((label) => label.name);
      const choose = await splitData(chooseEvaluations, ids, labels);
      const report = await splitData(reportEvaluations, ids, labels);

      const singles = ids.map((id, i) => ({
        model_version_id: id,
        choose: singleFigures(chooseEvaluations[i]!, metric),
        report: singleFigures(reportEvaluations[i]!, metric),
      }));
      const scores = singles.flatMap((single) => (single.choose.metric === null ? [] : [single.choose.metric]));
      const target = resolveTarget(input.target, metric, scores.length > 0 ? Math.max(...scores) : null);
      const abstainBelow = input.abstainBelow ?? null;
      const plan = planCascade({ ...choose, target, abstainBelow });
      const result: CascadePlanResult = {
        metric,
        target: input.target,
        resolved_target: target,
        thresholds: plan.chosen?.thresholds ?? null,
        reason: plan.reason,
        chosen: plan.chosen && cascadePointJson(plan.chosen, ids),
        report: plan.chosen && cascadePointJson(evaluateCascade(plan.chosen.thresholds, report, abstainBelow), ids),
        frontier: plan.frontier.map((point) => cascadePointJson(point, ids)),
        singles,
        searched: plan.searched,
      };
      return deps.cascadePlansRepo.insert({
        id: newId(),
        taskId: task.id,
        modelVersionIds: ids,
        datasetVersionId: input.datasetVersionId,
        chooseSplit: input.chooseOn,
        reportSplit: input.reportOn,
        target,
        abstainBelow,
        result: result as unknown as Record<string, unknown>,
        actor,
      });
    },

    /**
     * Serves the plan's cascade: its model version (one per definition), its evaluation on the
     * report split (computed from the stages' stored predictions) and a promotion to champion.
     * Applying again changes nothing: the plan keeps the cascade it was applied as.
     */
    async apply(id: string, actor: string) {
      const found = await get(id);
      const thresholds = resultOf(found).thresholds;
      if (!thresholds)
        throw errors.conflict(
          `Cascade plan ${found.id} chose no thresholds, so there is nothing to apply: ${resultOf(found).reason}`,
          {
            plan_id: found.id,
          },
        );
      // Serialised per plan, so two applies at once make one evaluation and one promotion. The
      // lock's transaction holds only the lock; the steps commit on their own.
      return deps.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`cascade-plan:${found.id}`}))`);
        const plan = (await deps.cascadePlansRepo.findById(found.id))!;
        const task = await deps.tasks.get(plan.taskId);
        const appliedBefore = plan.cascadeModelVersionId !== null;
        const cascade = appliedBefore
          ? (await deps.modelVersionsRepo.findById(plan.cascadeModelVersionId!))!
          : await deps.cascades.findOrCreate(
              task,
              {
                stages: plan.modelVersionIds.map((modelVersionId, i) => ({
                  modelVersionId,
                  minConfidence: i < thresholds.length ? thresholds[i]! : null,
                })),
                abstainBelow: plan.abstainBelow,
              },
              { stages: 'model_version_ids', abstainBelow: 'abstain_below' },
            );
        const [existing] = await deps.stages.latest(task.id, [cascade.id], plan.datasetVersionId, plan.reportSplit);
        const evaluation =
          existing ??
          (appliedBefore
            ? undefined
            : await deps.evaluations.create({
                modelVersionId: cascade.id,
                datasetVersionId: plan.datasetVersionId,
                split: plan.reportSplit as Split,
              }));
        if (appliedBefore) return { plan, cascade, evaluation: evaluation ?? null, appliedNow: false };
        await deps.routing.promote(task.id, cascade.id, `cascade plan ${plan.id} applied`, actor);
        const applied = (await deps.cascadePlansRepo.setCascade(plan.id, cascade.id))!;
        return { plan: applied, cascade, evaluation: evaluation ?? null, appliedNow: true };
      });
    },
  };
};

export type CascadePlansService = ReturnType<typeof cascadePlansService>;
