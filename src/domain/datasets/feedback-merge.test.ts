import { describe, expect, it } from 'vitest';
import { mergeFeedback } from './feedback-merge.js';
import { exampleIdOf, newRow } from './rows.js';

const row = (text: string, label: string | null, split: 'train' | 'test' | null = 'train') => ({
  ...newRow(text, label),
  split,
});

describe('mergeFeedback', () => {
  it('relabels known inputs everywhere they appear, confirms equal labels and appends new ones', () => {
    const rows = [row('a', 'x'), row('b', 'y', 'test'), row('a', 'x'), row('c', null)];
    const { rows: merged, report } = mergeFeedback(
      rows,
      [
        { inputHash: exampleIdOf('a'), text: 'a', label: 'y' },
        { inputHash: exampleIdOf('b'), text: 'b', label: 'y' },
        { inputHash: exampleIdOf('new'), text: 'new', label: 'x' },
      ],
      { split: 'train' },
    );
    expect(merged.map((r) => [r.text, r.label, r.labelSource, r.split])).toEqual([
      ['a', 'y', 'feedback', 'train'],
      ['b', 'y', 'feedback', 'test'],
      ['a', 'y', 'feedback', 'train'],
      ['c', null, null, 'train'],
      ['new', 'x', 'feedback', 'train'],
    ]);
    expect(report).toEqual({ feedback: 3, relabeled: 2, confirmed: 1, added: 1, skipped_without_text: 0 });
  });

  it('lets the latest feedback on an input win', () => {
    const { rows: merged, report } = mergeFeedback(
      [row('a', 'x')],
      [
        { inputHash: exampleIdOf('a'), text: 'a', label: 'y' },
        { inputHash: exampleIdOf('a'), text: 'a', label: 'z' },
      ],
      { split: null },
    );
    expect(merged[0]?.label).toBe('z');
    expect(report.feedback).toBe(1);
  });

  it('can relabel by hash alone but cannot add an input whose text was not kept', () => {
    const { rows: merged, report } = mergeFeedback(
      [row('kept', 'x')],
      [
        { inputHash: exampleIdOf('kept'), text: null, label: 'y' },
        { inputHash: exampleIdOf('secret'), text: null, label: 'y' },
      ],
      { split: 'train' },
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]?.label).toBe('y');
    expect(report).toMatchObject({ relabeled: 1, added: 0, skipped_without_text: 1 });
  });
});
