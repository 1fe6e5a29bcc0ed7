import type { EvaluationRow, EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import { errors } from '../../errors.js';

/** Rows read at a time per evaluation: a big split is never held twice (raw rows and what is made of them). */
export const STAGE_PAGE_ROWS = 2_000;

/** One row of the split with every model's stored prediction of it, in the models' order. */
export interface AlignedRow {
  seq: number;
  exampleId: string;
  trueLabel: string;
  predictions: EvaluationRow[];
}

/**
 * Several models' stored evaluations of one dataset version's split, read side by side: what a
 * cascade's evaluation and a cascade plan are computed from, with no model call. Only models
 * scored on exactly the same rows can be compared row by row, so rows that differ are refused.
 */
export const stageEvaluations = (deps: {
  evaluationsRepo: Pick<EvaluationsRepository, 'completedOn' | 'rowsPage'>;
}) => ({
  /** The newest completed evaluation of each model on the split (undefined where it has none). */
  async latest(
    taskId: string,
    modelIds: readonly string[],
    datasetVersionId: string,
    split: string,
  ): Promise<(EvaluationRecord | undefined)[]> {
    const completed = await deps.evaluationsRepo.completedOn(taskId, datasetVersionId, split);
    // completedOn is newest first: the first one of each model is its latest.
    return modelIds.map((id) => completed.find((evaluation) => evaluation.modelVersionId === id));
  },

  /**
   * Pages of rows with each evaluation's prediction, in seq order. Every evaluation must have
   * scored the same examples in the same order (the same version and split always give that,
   * unless the task's labels changed in between); `known` are the labels the rows may have.
   */
  async *aligned(
    evaluations: readonly EvaluationRecord[],
    name: (index: number) => string,
    known: ReadonlySet<string>,
  ): AsyncGenerator<AlignedRow[]> {
    const first = evaluations[0]!;
    const differ = (index: number, why: string, details: Record<string, unknown> = {}) =>
      errors.conflict(
        `${name(index)} was evaluated on other rows of the ${first.split} split than ${name(0)} (${why}); evaluate them again on this dataset version so they score the same rows.`,
        { index, evaluation_id: evaluations[index]!.id, compared_evaluation_id: first.id, ...details },
      );
    evaluations.forEach((evaluation, index) => {
      if (evaluation.total !== first.total) throw differ(index, `${evaluation.total} rows, not ${first.total}`);
    });
    for (let afterSeq = -1, pages = 0; pages <= Math.ceil(first.total / STAGE_PAGE_ROWS); pages++) {
      const pageRows = await Promise.all(
        evaluations.map((evaluation) =>
          deps.evaluationsRepo.rowsPage(evaluation.id, { afterSeq, limit: STAGE_PAGE_ROWS }),
        ),
      );
      const lead = pageRows[0]!;
      if (lead.length === 0) return;
      const rows = lead.map((row, i): AlignedRow => {
        if (!known.has(row.trueLabel))
          throw differ(0, `row ${row.seq} has the label "${row.trueLabel}", which the task no longer has`, {
            seq: row.seq,
          });
        const predictions = pageRows.map((page, index) => {
          const other = page[i];
          if (!other || other.seq !== row.seq || other.exampleId !== row.exampleId || other.trueLabel !== row.trueLabel)
            throw differ(index, `row ${row.seq} is another example or label`, { seq: row.seq });
          return other;
        });
        return { seq: row.seq, exampleId: row.exampleId, trueLabel: row.trueLabel, predictions };
      });
      yield rows;
      afterSeq = lead[lead.length - 1]!.seq;
    }
  },
});

export type StageEvaluations = ReturnType<typeof stageEvaluations>;
