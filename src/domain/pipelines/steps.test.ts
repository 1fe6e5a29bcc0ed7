import { describe, expect, it } from 'vitest';
import { remainingSteps } from './steps.js';

describe('pipeline steps', () => {
  it('resumes at the first step that did not complete', () => {
    expect(
      remainingSteps([
        { name: 'label', status: 'skipped' },
        { name: 'prepare', status: 'completed' },
        { name: 'train', status: 'failed' },
        { name: 'evaluate', status: 'blocked' },
        { name: 'promote', status: 'blocked' },
      ]),
    ).toEqual(['train', 'evaluate', 'promote']);
  });
});
