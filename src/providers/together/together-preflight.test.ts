import type { FinetuneModelLimits } from 'together-ai/resources/fine-tuning';
import { describe, expect, it } from 'vitest';
import { outOfLimits } from './together-preflight.js';

const limits = {
  model_name: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
  max_num_epochs: 20,
  min_learning_rate: 1e-8,
  max_learning_rate: 1e-3,
  lora_training: { min_batch_size: 8, max_batch_size: 64, max_batch_size_dpo: 32, max_rank: 64, target_modules: [] },
} as unknown as FinetuneModelLimits;

const fields = (hyperparameters: Parameters<typeof outOfLimits>[0]) =>
  outOfLimits(hyperparameters, limits).map((problem) => problem.field);

describe('outOfLimits', () => {
  it('accepts the limits themselves, and leaves `auto` to Together', () => {
    expect(fields({ n_epochs: 20, batch_size: 8, learning_rate_multiplier: 100 })).toEqual([]);
    expect(fields({ n_epochs: 1, batch_size: 64, learning_rate_multiplier: 0.001 })).toEqual([]);
    expect(fields({ n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' })).toEqual([]);
  });

  it('names each field past a limit; the learning rate is the multiplier times Together’s default', () => {
    expect(fields({ n_epochs: 21, batch_size: 65, learning_rate_multiplier: 101 })).toEqual([
      'hyperparameters.n_epochs',
      'hyperparameters.batch_size',
      'hyperparameters.learning_rate_multiplier',
    ]);
    expect(fields({ batch_size: 7, learning_rate_multiplier: 0.0001 })).toEqual([
      'hyperparameters.batch_size',
      'hyperparameters.learning_rate_multiplier',
    ]);
  });
});
