import { classificationReport } from './classification-report.js';

/**
 * How a cascade's evaluation split between its stages: the share of rows each stage answered and
 * how well it did on those rows, the same figures a cascade plan reports per stage.
 */
export interface CascadeStageMetrics {
  stages: {
    stage: number;
    model_version_id: string;
    rows: number;
    share: number;
    /** On this stage's rows only; null when it answered none. */
    accuracy: number | null;
    macro_f1: number | null;
  }[];
  abstained_rows: number;
  abstained_share: number;
}

export interface StagedRow {
  trueLabel: string;
  predicted: string | null;
  errorCode: string | null;
  /** The answering stage; null when the cascade abstained. */
  stage: number | null;
}

export function cascadeStageMetrics(
  labels: string[],
  stageModelIds: readonly string[],
  rows: readonly StagedRow[],
): CascadeStageMetrics {
  const n = rows.length;
  const share = (count: number) => (n === 0 ? 0 : count / n);
  const stages = stageModelIds.map((modelVersionId, stage) => {
    const answered = rows.filter((row) => row.stage === stage);
    if (answered.length === 0)
      return { stage, model_version_id: modelVersionId, rows: 0, share: 0, accuracy: null, macro_f1: null };
    // A failed answer of the last stage counts as wrong, as everywhere else.
    const report = classificationReport(
      answered.map((row) => row.trueLabel),
      answered.map((row) => (row.errorCode ? null : row.predicted)),
      labels,
    );
    return {
      stage,
      model_version_id: modelVersionId,
      rows: answered.length,
      share: share(answered.length),
      accuracy: report.accuracy,
      macro_f1: report.macro.f1,
    };
  });
  const abstained = rows.filter((row) => row.stage === null).length;
  return { stages, abstained_rows: abstained, abstained_share: share(abstained) };
}
