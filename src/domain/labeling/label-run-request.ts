import type { FewShotExample } from './prompt-config.js';

export const LABELING_MODES = ['zero_shot', 'few_shot'] as const;
export type LabelingMode = (typeof LABELING_MODES)[number];

/** Answers under this confidence are flagged for review when a run does not say otherwise. */
export const DEFAULT_LOW_CONFIDENCE = 0.6;

/**
 * What a label run is asked to do. The API's snake_case request becomes this at the HTTP edge,
 * and back again for responses; `Provider` narrows to the registered providers' names in services.
 */
export interface LabelRunRequest<Provider extends string = string> {
  provider: Provider;
  /** Default: the provider's default model. */
  model?: string;
  mode: LabelingMode;
  /** Few-shot examples to draw, stratified, from labeled rows. */
  k?: number;
  /** Given few-shot examples instead of drawn ones. */
  fewShotExamples?: FewShotExample[];
  seed?: number;
  /** Instead of the task's. */
  instructions?: string;
  onlyUnlabeled: boolean;
  /**
   * Signal-strength pass: answers under minConfidence become negativeLabel; on labeled rows
   * (onlyUnlabeled false), rows whose current label gets under minConfidence do. Without
   * negativeLabel, the task's label named `nil`. With signalPrompt the LLM is asked that yes/no
   * question instead of the task's (signalExamples as its few-shot pairs), and rows whose "yes"
   * gets under minConfidence take the negative label.
   */
  refine?: {
    negativeLabel?: string;
    minConfidence: number;
    signalPrompt?: string;
    signalExamples?: { text: string; signal: boolean }[];
  };
  limits?: { maxExamples?: number; maxCostUsd?: number };
  /** The provider's per-minute limits for this model, instead of the deployment's. */
  rateLimit?: { rpm?: number; tpm?: number };
  /** Default DEFAULT_LOW_CONFIDENCE. */
  lowConfidenceThreshold?: number;
}

/**
 * Stored with a run (label_runs.params): the request without its few-shot examples, which the
 * run's prompt keeps; for a few-shot run, `k` is how many it got.
 */
export type LabelRunParams = Omit<LabelRunRequest, 'fewShotExamples' | 'refine'> & {
  /** As run: the negative label resolved; signal examples are in the run's prompt. */
  refine?: { negativeLabel: string; minConfidence: number; signalPrompt?: string };
};

/** The label a refinement pass writes when the request names none: the task's `nil` (any case, trimmed). */
export const defaultNegativeLabel = (labels: readonly { name: string }[]): string | undefined =>
  labels.find((label) => label.name.trim().toLowerCase() === 'nil')?.name;

/** The labels of a signal-strength question: the answer says whether the example carries signal. */
export const SIGNAL_YES = 'yes';
export const SIGNAL_NO = 'no';
