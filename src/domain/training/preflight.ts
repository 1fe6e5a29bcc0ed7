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
  labels: string[];
  overTokenLimit: number;
  tokenLimit: number;
}

export interface PreflightProblem {
  code: 'too_few_examples' | 'label_missing_from_train' | 'label_missing_from_validation' | 'over_token_limit' | 'no_validation';
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
    problems.push({ code: 'no_validation', message: 'no validation split: no validation loss will be reported', blocking: false });
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
  if (input.overTokenLimit > 0) {
    problems.push({
      code: 'over_token_limit',
      message: `${input.overTokenLimit} examples exceed ${input.tokenLimit} tokens and would be truncated`,
      blocking: false,
    });
  }
  return problems;
}
