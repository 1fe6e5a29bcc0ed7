import { errors, type FieldProblem } from '../../errors.js';
import { classificationReport } from '../evaluation/classification-report.js';
import { costPerThousand } from '../evaluation/cost.js';
import { labelIndex } from '../evaluation/inputs.js';
import { percentile } from '../evaluation/latency.js';
import { type CascadeStageRule, cascadeRuleProblems, type StageAnswer, walkStages } from './cascade-stage.js';

/**
 * Cascade plans from stored evaluation predictions, with no model calls: every candidate set of
 * thresholds is replayed over the rows through `chooseStage`, the rule classify serves with.
 * Thresholds are chosen on one split and reported on another (`evaluateCascade`), because
 * thresholds tuned on the rows they are scored on flatter the cascade.
 */

/** One stage's stored prediction for one row. */
export interface StagePrediction {
  label: string | null;
  confidence: number | null;
  /** Null when the call is unpriced; a plan reaching it then has no known cost. */
  costUsd: number | null;
  latencyMs: number | null;
  /** The call errored or named no label: the row escalates, or is wrong at the last stage. */
  failed: boolean;
}

export interface CascadeRow {
  trueLabel: string;
  /** One prediction per stage, in cascade order; every stage was evaluated on the same rows. */
  stages: StagePrediction[];
}

export interface CascadeData {
  labels: string[];
  rows: CascadeRow[];
}

export type CascadeMetric = 'macro_f1' | 'accuracy';

export type CascadeTarget =
  /** Cheapest plan whose metric is at least `value` (e.g. best single model − 0.005). */
  | { kind: 'min_metric'; metric: CascadeMetric; value: number }
  /** Best metric among plans costing at most `value` USD per 1,000 classifications. */
  | { kind: 'max_cost_per_1000'; metric: CascadeMetric; value: number };

export interface StageSlice {
  stage: number;
  /** Rows this stage answered. */
  rows: number;
  share: number;
  /** On this stage's rows only; null when it answered none. */
  accuracy: number | null;
  macroF1: number | null;
}

export interface CascadePoint {
  /** `min_confidence` of every stage but the last. */
  thresholds: number[];
  rows: number;
  /** Share of rows answered by each stage (the abstained share makes up the rest). */
  shares: number[];
  abstainedShare: number;
  /** Over the answered rows; a failed last stage counts as wrong. Null when no row was answered. */
  accuracy: number | null;
  macroF1: number | null;
  stages: StageSlice[];
  /** Every stage a row went through is paid for; null when a reached call is unpriced. */
  costPer1000: number | null;
  /** Per row, the sum over the stages it went through; rows with an unrecorded latency are left out. */
  latencyMs: { p50: number; p95: number } | null;
}

export interface CascadeEvaluation extends CascadePoint {
  /** Per row, in input order: the answering stage (null: abstained) and whether it was right. */
  answeredBy: (number | null)[];
  correct: boolean[];
}

export interface PlanCascadeInput extends CascadeData {
  target: CascadeTarget;
  /** Per stage but the last; default: the stage's observed confidences plus 0 and 1. */
  candidates?: number[][];
  /** Fixed abstain threshold on the last stage (not searched); null: the last stage always answers. */
  abstainBelow?: number | null;
  maxCandidatesPerStage?: number;
  maxCombinations?: number;
}

export interface CascadePlan {
  /** Pareto-optimal points (no other is as cheap and as good, one strictly), by cost ascending. */
  frontier: CascadePoint[];
  /** The point meeting the target, or null with `reason` saying how close the best came. */
  chosen: CascadePoint | null;
  reason: string;
  /** The candidate thresholds searched per stage and how many combinations that made. */
  searched: { candidates: number[][]; combinations: number };
}

export const DEFAULT_MAX_CANDIDATES_PER_STAGE = 200;
/**
 * The grid is the product of the stages' candidates, so it is bounded as a whole: each stage but
 * the last gets at most ⌊max^(1/(stages − 1))⌋ quantiles, which leaves two stages their 200
 * candidates and gives three 100 × 100. Every combination replays all rows; this keeps a plan on
 * 2,000 validation rows to about 2.5 s for three stages (0.15 s for two).
 */
export const DEFAULT_MAX_COMBINATIONS = 10_000;
/** Targets are often computed (best − 0.005); a metric equal to it up to float noise meets it. */
const TARGET_TOLERANCE = 1e-12;

function checkData(name: string, data: CascadeData): number {
  const index = labelIndex(name, data.labels);
  const stageCount = data.rows[0]?.stages.length ?? 0;
  for (const [i, row] of data.rows.entries()) {
    if (!index.has(row.trueLabel))
      throw new RangeError(`${name}: row ${i} has true label "${row.trueLabel}" outside the labels`);
    if (row.stages.length !== stageCount)
      throw new RangeError(`${name}: row ${i} has ${row.stages.length} stages, expected ${stageCount}`);
    for (const p of row.stages) {
      if (p.confidence !== null && !(p.confidence >= 0 && p.confidence <= 1))
        throw new RangeError(`${name}: row ${i} has confidence ${p.confidence} outside [0, 1]`);
    }
  }
  return stageCount;
}

/** What one set of thresholds does to every row: the served label, who served it and what it cost. */
interface Replay {
  answeredBy: (number | null)[];
  yPred: (string | null)[];
  /** Per row, the sum over the stages it went through; null when one of them is unrecorded. */
  latencies: (number | null)[];
  cost: number | null;
}

/** The rows' stage answers as `walkStages` reads them; a failed call's label is not trusted. */
const answersOf = (data: CascadeData): StageAnswer[][] =>
  data.rows.map((row) =>
    row.stages.map((p) =>
      p.failed ? { label: null, confidence: null } : { label: p.label, confidence: p.confidence },
    ),
  );

function replay(
  rules: readonly CascadeStageRule[],
  data: CascadeData,
  answers: readonly StageAnswer[][],
  abstainBelow: number | null,
): Replay {
  const last = rules.length - 1;
  const answeredBy: (number | null)[] = [];
  const yPred: (string | null)[] = [];
  const latencies: (number | null)[] = [];
  let cost: number | null = 0;
  data.rows.forEach((row, i) => {
    const choice = walkStages(rules, answers[i]!, abstainBelow);
    // An abstention went through every stage, so it paid for all of them.
    const through = choice.stage ?? last;
    let latency: number | null = 0;
    for (let s = 0; s <= through; s++) {
      const p = row.stages[s]!;
      cost = cost === null || p.costUsd === null ? null : cost + p.costUsd;
      latency = latency === null || p.latencyMs === null ? null : latency + p.latencyMs;
    }
    answeredBy.push(choice.stage);
    yPred.push(choice.label);
    latencies.push(latency);
  });
  return { answeredBy, yPred, latencies, cost };
}

/** Accuracy and macro-F1 of the rows `keep` selects; null when it selects none. */
function scoresOn(data: CascadeData, run: Replay, keep: (by: number | null) => boolean) {
  const yTrue: string[] = [];
  const yPred: (string | null)[] = [];
  run.answeredBy.forEach((by, i) => {
    if (!keep(by)) return;
    yTrue.push(data.rows[i]!.trueLabel);
    yPred.push(run.yPred[i]!);
  });
  if (yTrue.length === 0) return { rows: 0, accuracy: null, macroF1: null };
  const report = classificationReport(yTrue, yPred, data.labels);
  return { rows: yTrue.length, accuracy: report.accuracy, macroF1: report.macro.f1 };
}

function checkedRules(name: string, thresholds: readonly number[], stageCount: number): CascadeStageRule[] {
  if (thresholds.length !== stageCount - 1)
    throw new RangeError(`${name}: ${thresholds.length} thresholds for ${stageCount} stages`);
  const rules: CascadeStageRule[] = [...thresholds.map((t) => ({ minConfidence: t })), { minConfidence: null }];
  const problems = cascadeRuleProblems(rules);
  if (problems.length > 0) throw new RangeError(`${name}: ${problems.join('; ')}`);
  return rules;
}

function fullPoint(thresholds: readonly number[], data: CascadeData, run: Replay): CascadeEvaluation {
  const n = data.rows.length;
  const share = (rows: number) => (n === 0 ? 0 : rows / n);
  const stages: StageSlice[] = Array.from({ length: thresholds.length + 1 }, (_, stage) => {
    const s = scoresOn(data, run, (by) => by === stage);
    return { stage, ...s, share: share(s.rows) };
  });
  const overall = scoresOn(data, run, (by) => by !== null);
  const sorted = run.latencies.filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
  return {
    thresholds: [...thresholds],
    rows: n,
    shares: stages.map((s) => s.share),
    abstainedShare: share(n - overall.rows),
    accuracy: overall.accuracy,
    macroF1: overall.macroF1,
    stages,
    costPer1000: run.cost === null ? null : costPerThousand(run.cost, n),
    latencyMs: sorted.length === 0 ? null : { p50: percentile(sorted, 50), p95: percentile(sorted, 95) },
    answeredBy: run.answeredBy,
    correct: run.yPred.map((label, i) => label !== null && label === data.rows[i]!.trueLabel),
  };
}

/** Replays one set of thresholds over every row (e.g. the test split): the full figures of one point. */
export function evaluateCascade(
  thresholds: readonly number[],
  data: CascadeData,
  abstainBelow: number | null = null,
): CascadeEvaluation {
  const stageCount = checkData('evaluateCascade', data);
  const rules = checkedRules(
    'evaluateCascade',
    thresholds,
    data.rows.length === 0 ? thresholds.length + 1 : stageCount,
  );
  return fullPoint(thresholds, data, replay(rules, data, answersOf(data), abstainBelow));
}

/** Evenly spaced order statistics, always keeping the smallest and largest value. */
export function capByQuantiles(sorted: readonly number[], cap: number): number[] {
  if (sorted.length <= cap) return [...sorted];
  if (cap < 2) return sorted.slice(0, Math.max(cap, 0));
  const picked = Array.from({ length: cap }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (cap - 1))]!);
  return [...new Set(picked)];
}

function defaultCandidates(data: CascadeData, stage: number): number[] {
  const seen = new Set<number>([0, 1]);
  for (const row of data.rows) {
    const p = row.stages[stage]!;
    if (!p.failed && p.label !== null && p.confidence !== null) seen.add(p.confidence);
  }
  return [...seen].sort((a, b) => a - b);
}

function inputProblems(input: PlanCascadeInput, thresholdCount: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isFinite(input.target.value) || input.target.value < 0)
    problems.push({ field: 'body.target.value', message: 'must be a non-negative number' });
  if (input.abstainBelow != null && !(input.abstainBelow >= 0 && input.abstainBelow <= 1))
    problems.push({ field: 'body.abstain_below', message: 'must be between 0 and 1' });
  if (input.candidates !== undefined) {
    if (input.candidates.length !== thresholdCount)
      problems.push({ field: 'body.candidates', message: `needs one list per stage but the last (${thresholdCount})` });
    input.candidates.forEach((list, i) => {
      if (list.length === 0) problems.push({ field: `body.candidates[${i}]`, message: 'must not be empty' });
      if (list.some((t) => !(t >= 0 && t <= 1)))
        problems.push({ field: `body.candidates[${i}]`, message: 'thresholds must be between 0 and 1' });
    });
  }
  return problems;
}

const metricOf = (point: CascadePoint, metric: CascadeMetric): number | null =>
  metric === 'macro_f1' ? point.macroF1 : point.accuracy;

/** What the search keeps of every combination: enough to place it against the others. */
interface Summary {
  thresholds: number[];
  cost: number | null;
  metric: number | null;
}

/**
 * Points with a known cost and metric that no other point matches on both, by cost ascending.
 * Among exact ties the first searched (lowest thresholds) stays: sort is stable.
 */
function paretoFrontier(points: readonly Summary[]): Summary[] {
  const sorted = points
    .filter((p) => p.cost !== null && p.metric !== null)
    .sort((a, b) => a.cost! - b.cost! || b.metric! - a.metric!);
  const frontier: Summary[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const point of sorted) {
    if (point.metric! > best) {
      frontier.push(point);
      best = point.metric!;
    }
  }
  return frontier;
}

const metricName = (metric: CascadeMetric) => (metric === 'macro_f1' ? 'macro-F1' : 'accuracy');
const fixed = (value: number) => value.toFixed(4);

function choose(frontier: CascadePoint[], target: CascadeTarget): { chosen: CascadePoint | null; reason: string } {
  const name = metricName(target.metric);
  if (frontier.length === 0) return { chosen: null, reason: 'No threshold combination has a known cost and metric.' };
  if (target.kind === 'min_metric') {
    const chosen = frontier.find((p) => metricOf(p, target.metric)! >= target.value - TARGET_TOLERANCE) ?? null;
    if (chosen) return { chosen, reason: `Cheapest thresholds with ${name} ≥ ${fixed(target.value)}.` };
    const best = frontier[frontier.length - 1]!;
    return {
      chosen: null,
      reason: `No thresholds meet ${name} ≥ ${fixed(target.value)}: the best is ${fixed(metricOf(best, target.metric)!)} at ${fixed(best.costPer1000!)} USD per 1,000.`,
    };
  }
  const affordable = frontier.filter((p) => p.costPer1000! <= target.value + TARGET_TOLERANCE);
  const chosen = affordable[affordable.length - 1] ?? null;
  if (chosen) return { chosen, reason: `Best ${name} at no more than ${fixed(target.value)} USD per 1,000.` };
  return {
    chosen: null,
    reason: `No thresholds cost at most ${fixed(target.value)} USD per 1,000: the cheapest costs ${fixed(frontier[0]!.costPer1000!)}.`,
  };
}

const stripRows = ({ answeredBy: _a, correct: _c, ...point }: CascadeEvaluation): CascadePoint => point;

/** Searches the threshold grid on `rows` (the validation split) and picks the point meeting the target. */
export function planCascade(input: PlanCascadeInput): CascadePlan {
  const stageCount = checkData('planCascade', input);
  if (stageCount < 2) throw new RangeError('planCascade: a cascade needs rows with at least two stages');
  const thresholdCount = stageCount - 1;
  const problems = inputProblems(input, thresholdCount);
  if (problems.length > 0) throw errors.validation('The cascade plan request is invalid.', problems);

  const maxCombinations = input.maxCombinations ?? DEFAULT_MAX_COMBINATIONS;
  const perStageCap = Math.min(
    input.maxCandidatesPerStage ?? DEFAULT_MAX_CANDIDATES_PER_STAGE,
    // The 1e-9 keeps an exact root (100 for 10,000 over two thresholds) from flooring to 99.
    Math.max(2, Math.floor(maxCombinations ** (1 / thresholdCount) + 1e-9)),
  );
  const candidates = Array.from({ length: thresholdCount }, (_, stage) => {
    const given = input.candidates?.[stage];
    const sorted = given ? [...new Set(given)].sort((a, b) => a - b) : defaultCandidates(input, stage);
    return capByQuantiles(sorted, perStageCap);
  });

  const abstainBelow = input.abstainBelow ?? null;
  const answers = answersOf(input);
  const { metric } = input.target;
  const summaries: Summary[] = [];
  const position = candidates.map(() => 0);
  // Odometer over the grid, last stage's threshold fastest, so points come in lexicographic order.
  // Only the overall metric and cost are computed per combination; the full figures (per-stage
  // scores, latency percentiles) only for the frontier, which is all a plan returns.
  for (;;) {
    const thresholds = position.map((p, stage) => candidates[stage]![p]!);
    const run = replay(checkedRules('planCascade', thresholds, stageCount), input, answers, abstainBelow);
    const overall = scoresOn(input, run, (by) => by !== null);
    summaries.push({
      thresholds,
      cost: run.cost === null ? null : costPerThousand(run.cost, input.rows.length),
      metric: metric === 'macro_f1' ? overall.macroF1 : overall.accuracy,
    });
    let stage = thresholdCount - 1;
    while (stage >= 0 && position[stage] === candidates[stage]!.length - 1) position[stage--] = 0;
    if (stage < 0) break;
    position[stage]!++;
  }

  const frontier = paretoFrontier(summaries).map(({ thresholds }) =>
    stripRows(
      fullPoint(
        thresholds,
        input,
        replay(checkedRules('planCascade', thresholds, stageCount), input, answers, abstainBelow),
      ),
    ),
  );
  return { frontier, ...choose(frontier, input.target), searched: { candidates, combinations: summaries.length } };
}
