import { describe, expect, it } from 'vitest';
import { taskPrompt } from './prompt-config.js';

describe('taskPrompt', () => {
  const task = {
    instructions: 'Rate the review.',
    labels: [
      { name: '1', description: 'awful', order: 1 },
      { name: '5', description: '', order: 5 },
    ],
  };

  it('gives the task’s instructions and labels, descriptions only where there are some, never the order', () => {
    expect(taskPrompt(task)).toEqual({
      instructions: 'Rate the review.',
      labels: [{ name: '1', description: 'awful' }, { name: '5' }],
      fewShot: [],
    });
  });

  it('takes other instructions, few-shot examples and asTrained when given', () => {
    const fewShot = [{ text: 'great', label: '5' }];
    expect(taskPrompt(task, { instructions: 'Other.', fewShot, asTrained: true })).toEqual({
      instructions: 'Other.',
      labels: [{ name: '1', description: 'awful' }, { name: '5' }],
      fewShot,
      asTrained: true,
    });
    expect(taskPrompt(task, { asTrained: false })).not.toHaveProperty('asTrained');
  });
});
