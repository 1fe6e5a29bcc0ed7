import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import { mcnemar } from '../../domain/evaluation/mcnemar.js';
import { rowOutcomes, type RowOutcomes } from '../../domain/evaluation/row-outcomes.js';
import { failureRate, metricValue } from '../../domain/routing/promotion-policy.js';
import type { TasksService } from '../tasks-service.js';

const sameRows = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((example, i) => example === b[i]);

/**
 * Every model evaluated on one dataset version's split, side by side on the same rows, ranked by
 * the task's metric, each compared with the champion by an exact McNemar test.
 */
export const leaderboardService = (deps: {
  evaluationsRepo: Pick<EvaluationsRepository, 'completedOn' | 'rows'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById' | 'lineageCosts'>;
  routingRepo: Pick<RoutingRepository, 'get'>;
  tasks: Pick<TasksService, 'get'>;
}) => ({
  async build(taskRef: string, datasetVersionId: string, split: string) {
    const task = await deps.tasks.get(taskRef);
    const routing = await deps.routingRepo.get(task.id);
    const completed = await deps.evaluationsRepo.completedOn(task.id, datasetVersionId, split);
    // The newest evaluation of each model.
    const latest = [
      ...new Map(completed.reverse().map((evaluation) => [evaluation.modelVersionId, evaluation])).values(),
    ];
    const outcomes = new Map<string, RowOutcomes & { examples: string[] }>();
    for (const evaluation of latest) {
      const rows = await deps.evaluationsRepo.rows(evaluation.id);
      outcomes.set(evaluation.id, { ...rowOutcomes(rows), examples: rows.map((row) => row.exampleId) });
    }
    // What each model cost to get to, continued training included: the cost side of the comparison.
    const lineageCosts = await deps.modelVersionsRepo.lineageCosts(
      latest.map((evaluation) => evaluation.modelVersionId),
    );
    const champion = latest.find((evaluation) => evaluation.modelVersionId === routing.championId);
    const entries = await Promise.all(
      latest.map(async (evaluation) => {
        const metrics = evaluation.metrics!; // completed evaluations have them
        const found = (await deps.modelVersionsRepo.findById(evaluation.modelVersionId))!;
        const model = { ...found, lineageTrainingCostUsd: lineageCosts.get(found.id) ?? null };
        const own = outcomes.get(evaluation.id)!;
        const theirs = champion && champion.id !== evaluation.id ? outcomes.get(champion.id)! : null;
        // Only on the same rows: the task's labels changed between two evaluations, no test is made.
        const versusChampion =
          theirs && sameRows(own.examples, theirs.examples) ? mcnemar(own.correct, theirs.correct) : null;
        return {
          model,
          evaluation,
          score: metricValue(metrics, routing.metric),
          metrics,
          /** A cascade's stages: which answered how many rows. */
          stages: metrics.cascade?.stages ?? null,
          failures: {
            failed_calls: own.failedCalls,
            unparseable_answers: own.unparseableAnswers,
            unknown_labels: metrics.unknown_predictions,
            failure_rate: failureRate(metrics).rate,
          },
          versusChampion: versusChampion && {
            only_this_right: versusChampion.onlyA,
            only_champion_right: versusChampion.onlyB,
            p_value: versusChampion.pValue,
          },
        };
      }),
    );
    entries.sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
    return { task, routing, rows: latest[0]?.total ?? 0, entries };
  },
});

export type LeaderboardService = ReturnType<typeof leaderboardService>;
