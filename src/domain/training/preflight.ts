import { MIN_FINE_TUNING_EXAMPLES } from '../datasets/export-checks.js';

/**
 * OpenAI's `auto` epochs, as its cookbook estimates them: 3 epochs, more for small files (so the
 * model sees about 100 examples' worth) and fewer for large ones (about 25,000).
 */
export function autoEpochs(examples: number): number {
  const target = 3;
  if (examples === 0) return target;
  if (examples * target < 100) return Math.min(25, Math.floor(100 / examples));
  if (examples * target > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return target;
}

/** Tokens OpenAI bills for training: every example, capped at the per-example limit, once per epoch. */
export const billableTokens = (tokensPerExample: number[], epochs: number, limit: number): number =>
  epochs * tokensPerExample.reduce((sum, tokens) => sum + Math.min(tokens, limit), 0);

export interface PreflightInput {
  trainCounts: Record<string, number>;
  validationCounts: Record<string, number>;
  /** Labeled test rows per label: the split the trained model is evaluated on automatically. */
  testCounts: Record<string, number>;
  labels: string[];
  overTokenLimit: number;
  tokenLimit: number;
  /** Set when neither the provider nor the price table prices this base model (the cost is unknown). */
  unpricedModel?: { model: string; priceTableDate: string };
}

export interface PreflightProblem {
  code:
    | 'too_few_examples'
    | 'label_missing_from_train'
    | 'label_missing_from_validation'
    | 'over_token_limit'
    | 'no_validation'
    | 'no_test_split'
    | 'unpriced_model'
    // Asked of the provider (services/fine-tunes/provider-preflight.ts):
    | 'unsupported_base_model'
    | 'hyperparameter_out_of_range'
    | 'preflight_unavailable'
    | 'provider_estimate_unavailable';
  message: string;
  blocking: boolean;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** What would make a provider reject the job (blocking) or make it a waste of money (warnings). */
export function preflightProblems(input: PreflightInput): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const train = total(input.trainCounts);
  if (train < MIN_FINE_TUNING_EXAMPLES) {
    problems.push({
      code: 'too_few_examples',
      message: `the train split has ${train} labeled examples; fine-tuning needs at least ${MIN_FINE_TUNING_EXAMPLES}`,
      blocking: true,
    });
  }
  const missingTrain = input.labels.filter((label) => !input.trainCounts[label]);
  if (missingTrain.length > 0) {
    problems.push({
      code: 'label_missing_from_train',
      message: `no training examples for: ${missingTrain.join(', ')}; the model cannot learn them`,
      blocking: false,
    });
  }
  if (total(input.validationCounts) === 0) {
    problems.push({
      code: 'no_validation',
      message: 'no validation split: no validation loss will be reported',
      blocking: false,
    });
  } else {
    const missingValidation = input.labels.filter((label) => !input.validationCounts[label]);
    if (missingValidation.length > 0) {
      problems.push({
        code: 'label_missing_from_validation',
        message: `no validation examples for: ${missingValidation.join(', ')}`,
        blocking: false,
      });
    }
  }
  // Only rows whose label the task still has are scored, as the evaluation itself does.
  if (input.labels.every((label) => !input.testCounts[label])) {
    problems.push({
      code: 'no_test_split',
      message:
        'no labeled test rows: the model will not be evaluated automatically (evaluate it by hand on another version)',
      blocking: false,
    });
  }
  if (input.overTokenLimit > 0) {
    problems.push({
      code: 'over_token_limit',
      message: `${input.overTokenLimit} examples exceed ${input.tokenLimit} tokens and would be truncated`,
      blocking: false,
    });
  }
  if (input.unpricedModel) {
    const { model, priceTableDate } = input.unpricedModel;
    problems.push({
      code: 'unpriced_model',
      message: `${model} has no training price in the price table (${priceTableDate}): the cost cannot be estimated (PRICE_OVERRIDES can add it)`,
      blocking: false,
    });
  }
  return problems;
}
