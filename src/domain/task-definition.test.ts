import { describe, expect, it } from 'vitest';
import { isOrdinal, labelProblems, slugProblems } from './task-definition.js';

describe('labelProblems', () => {
  it('accepts distinct labels', () => {
    expect(labelProblems([{ name: 'spam' }, { name: 'ham' }])).toEqual([]);
  });

  it('finds duplicates ignoring case and surrounding space, pointing at the later one', () => {
    expect(labelProblems([{ name: 'Yes' }, { name: 'no' }, { name: 'yes' }])).toEqual([
      { field: 'body.labels[2].name', message: 'duplicates label 0 ("Yes")' },
    ]);
  });

  it('requires orders on all labels or none, and distinct', () => {
    expect(labelProblems([{ name: 'a', order: 1 }, { name: 'b' }, { name: 'c', order: 1 }], 'labels')).toEqual([
      { field: 'labels[1].order', message: 'ordinal labels need an order on every label' },
      { field: 'labels[2].order', message: 'same order as label 0' },
    ]);
  });
});

describe('slugProblems', () => {
  it('refuses a slug that looks like an id', () => {
    expect(slugProblems('0192f0c4-1111-7abc-8def-0123456789ab')).toHaveLength(1);
    expect(slugProblems('support-tickets')).toEqual([]);
  });
});

describe('isOrdinal', () => {
  it('is true only when every label has an order', () => {
    expect(
      isOrdinal([
        { name: '1', order: 1 },
        { name: '2', order: 2 },
      ]),
    ).toBe(true);
    expect(isOrdinal([{ name: '1', order: 1 }, { name: '2' }])).toBe(false);
    expect(isOrdinal([])).toBe(false);
  });
});
