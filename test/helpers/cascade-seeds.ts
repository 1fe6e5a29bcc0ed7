import { evaluationsRepository } from '../../src/db/repositories/evaluations-repository.js';
import { predictions, type NewPrediction } from '../../src/db/schema/predictions.js';
import { evaluatePredictions } from '../../src/domain/evaluation/evaluate.js';
import { newId } from '../../src/domain/ids.js';
import type { Escalation } from '../../src/domain/routing/cascade-stage.js';
import { inferenceCost } from '../../src/domain/pricing.js';
import type { Harness } from './harness.js';

/** The task's cascade of these stages, as routing and plans make it (one model version per definition). */
export async function cascadeOf(
  h: Harness,
  task: { id: string; slug: string },
  stages: { modelVersionId: string; minConfidence: number | null }[],
  abstainBelow: number | null = null,
): Promise<string> {
  const cascade = await h.runtime.services.cascades.findOrCreate(
    task,
    { stages, abstainBelow },
    { stages: 'cascade', abstainBelow: 'abstain_below' },
  );
  return cascade.id;
}

export interface SeededPrediction {
  cascadeId: string | null;
  /** The answering stage; null when the cascade abstained. */
  stage: number | null;
  modelVersionId: string;
  label: string | null;
  escalated?: Escalation[];
  abstained?: boolean;
  createdAt?: Date;
}

/**
 * Cascade predictions written straight into the prediction log's table, with the columns classify
 * fills when a cascade serves: monitoring and cost projections read only that table.
 */
export async function seedCascadePredictions(h: Harness, taskId: string, rows: SeededPrediction[]): Promise<string[]> {
  const values: NewPrediction[] = rows.map((row, i) => ({
    id: newId(),
    taskId,
    modelVersionId: row.modelVersionId,
    servedBy: 'champion',
    inputHash: `seed-${i}-${Math.random()}`,
    label: row.label,
    confidence: row.label === null ? null : 0.9,
    latencyMs: 3,
    createdAt: row.createdAt ?? new Date(Date.now() - 60_000),
    cascadeId: row.cascadeId,
    stage: row.stage,
    escalated: row.escalated ?? [],
    abstained: row.abstained ?? false,
  }));
  for (let start = 0; start < values.length; start += 500)
    await h.runtime.database.db.insert(predictions).values(values.slice(start, start + 500));
  return values.map((value) => value.id);
}

export interface SeededEvaluationRow {
  trueLabel: string;
  predicted: string | null;
  inputTokens?: number;
  outputTokens?: number;
  /** A cascade's evaluation: the answering stage (null: abstained). */
  stage?: number | null;
}

/**
 * A completed evaluation with these per-row predictions and the metrics evaluatePredictions computes
 * from them, as the evaluation finalizer stores them (cost priced by the price table).
 */
export async function seedCompletedEvaluation(
  h: Harness,
  input: { taskId: string; modelVersionId: string; model: string; datasetVersionId: string; labels: string[] },
  rows: SeededEvaluationRow[],
): Promise<string> {
  const repo = evaluationsRepository(h.runtime.database.db);
  const id = newId();
  await repo.insert(
    {
      id,
      taskId: input.taskId,
      modelVersionId: input.modelVersionId,
      datasetVersionId: input.datasetVersionId,
      split: 'test',
      status: 'running',
      total: rows.length,
    },
    rows.map((row, i) => ({ exampleId: `example-${i}`, trueLabel: row.trueLabel })),
  );
  const scored = rows.map((row) => {
    const usage = { inputTokens: row.inputTokens ?? 0, outputTokens: row.outputTokens ?? 0 };
    return {
      trueLabel: row.trueLabel,
      predicted: row.predicted,
      probabilities: null,
      latencyMs: 5,
      ...usage,
      costUsd: inferenceCost(input.model, usage),
      error: null,
    };
  });
  for (const [seq, row] of rows.entries()) {
    await repo.recordPrediction({
      evaluationId: id,
      seq,
      predicted: row.predicted,
      latencyMs: 5,
      inputTokens: scored[seq]!.inputTokens,
      outputTokens: scored[seq]!.outputTokens,
      costUsd: scored[seq]!.costUsd,
      stage: row.stage ?? null,
    });
  }
  const metrics = evaluatePredictions({ labels: input.labels, rows: scored });
  await repo.transition(id, ['running'], 'completed', { metrics, finishedAt: new Date() });
  return id;
}
