import { describe, expect, it } from 'vitest';
import { parseStepMetrics } from './result-file.js';

const csv =
  'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.52347,0.0,,\n2,0.57719,0.5,0.61,0.75\n';

describe('parseStepMetrics', () => {
  it('decodes base64 and reads columns by name, empty cells as null', () => {
    expect(parseStepMetrics(Buffer.from(csv).toString('base64'))).toEqual([
      { step: 1, train_loss: 1.52347, train_accuracy: 0, valid_loss: null, valid_accuracy: null },
      { step: 2, train_loss: 0.57719, train_accuracy: 0.5, valid_loss: 0.61, valid_accuracy: 0.75 },
    ]);
  });

  it('accepts plain CSV with extra and reordered columns', () => {
    expect(parseStepMetrics('train_loss,step,full_valid_loss\n0.3,7,0.2\n')).toEqual([
      { step: 7, train_loss: 0.3, train_accuracy: null, valid_loss: null, valid_accuracy: null },
    ]);
  });
});
