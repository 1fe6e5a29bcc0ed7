import { describe, expect, it } from 'vitest';
import { exportWarnings, type ExportCheckInput } from './export-checks.js';
import { labelCodes } from './export-formats.js';

const labels = ['positive', 'negative', 'neutral'];
const balanced = { positive: 40, negative: 30, neutral: 20 };

/** A healthy export: every check passes, so each test changes one thing. */
const healthy: ExportCheckInput = {
  split: 'train',
  format: 'openai-completions',
  labels,
  rowsInSplit: 90,
  labelCounts: balanced,
  unlabeled: 0,
  labelCountsBySplit: { train: balanced, validation: { positive: 5, negative: 4, neutral: 3 }, test: {} },
  overTokenLimit: 0,
  tokenLimit: 4096,
  codes: labelCodes(labels.map((name) => ({ name }))),
};
const warn = (overrides: Partial<ExportCheckInput>) => exportWarnings({ ...healthy, ...overrides });
const codesOf = (overrides: Partial<ExportCheckInput>) => warn(overrides).map((warning) => warning.code);

describe('exportWarnings', () => {
  it('says nothing about a healthy export', () => {
    expect(warn({})).toEqual([]);
  });

  it('warns below ten labeled examples, counting only labeled rows', () => {
    const small = { positive: 4, negative: 3, neutral: 2 };
    const [warning] = warn({
      labelCounts: small,
      rowsInSplit: 50,
      unlabeled: 41,
      format: 'jsonl',
      labelCountsBySplit: { train: small, validation: {}, test: {} },
    });
    expect(warning).toMatchObject({ code: 'too_few_examples', details: { labeled: 9, minimum: 10 } });
    expect(warning?.message).toBe('the train split has 9 labeled examples; OpenAI fine-tuning needs at least 10');
    expect(codesOf({ labelCounts: { positive: 4, negative: 3, neutral: 3 } })).not.toContain('too_few_examples');
  });

  it('warns about rows over the token limit', () => {
    const [warning] = warn({ overTokenLimit: 3 });
    expect(warning).toMatchObject({ code: 'over_token_limit', details: { rows: 3, tokenLimit: 4096 } });
    expect(warning?.message).toContain('3 rows exceed');
  });

  it('lists labels missing from a split that has rows, in one warning', () => {
    const warnings = warn({
      labelCountsBySplit: { train: balanced, validation: { positive: 5 }, test: { positive: 2, negative: 1 } },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      code: 'label_missing_from_split',
      details: {
        labels: [
          { label: 'negative', missingFrom: ['validation'] },
          { label: 'neutral', missingFrom: ['validation', 'test'] },
        ],
      },
    });
    expect(warnings[0]?.message).toContain('"neutral" (not in validation, test)');
  });

  it('ignores empty splits and labels no split has', () => {
    const counts = { positive: 40, negative: 30 };
    const warnings = warn({ labelCountsBySplit: { train: counts, validation: counts, test: {} } });
    expect(warnings.map((w) => w.code)).not.toContain('label_missing_from_split');
  });

  it('warns when the largest class is more than ten times the smallest', () => {
    const [warning] = warn({ labelCounts: { positive: 101, negative: 30, neutral: 10 } });
    expect(warning).toMatchObject({
      code: 'class_imbalance',
      details: {
        largest: { label: 'positive', count: 101 },
        smallest: { label: 'neutral', count: 10 },
        ratio: 10.1,
        empty: [],
      },
    });
    expect(warning?.message).toContain('"positive" has 101 examples but "neutral" only 10');
    expect(codesOf({ labelCounts: { positive: 100, negative: 30, neutral: 10 } })).toEqual([]);
  });

  it('warns when a task label has no rows in the exported split', () => {
    const [warning] = warn({ labelCounts: { positive: 40, negative: 30 } });
    expect(warning).toMatchObject({ code: 'class_imbalance', details: { empty: ['neutral'] } });
    expect(warning?.message).toContain('no examples of "neutral"');
  });

  it('leaves imbalance to too_few_examples when nothing is labeled', () => {
    expect(codesOf({ labelCounts: {}, format: 'jsonl', unlabeled: 90 })).toEqual(['too_few_examples']);
  });

  it('warns that unlabeled rows are skipped, only for fine-tuning formats', () => {
    const [warning] = warn({ unlabeled: 12, rowsInSplit: 102, format: 'openai-chat' });
    expect(warning).toMatchObject({ code: 'unlabeled_rows', details: { unlabeled: 12, rows: 102 } });
    expect(warning?.message).toBe(
      '12 of 102 rows in the train split are unlabeled and will be skipped in this fine-tuning export',
    );
    expect(codesOf({ unlabeled: 12, split: 'all', format: 'openai-completions' })).toEqual(['unlabeled_rows']);
    expect(codesOf({ unlabeled: 12, format: 'jsonl' })).toEqual([]);
    expect(codesOf({ unlabeled: 12, format: 'csv' })).toEqual([]);
  });

  it.each([
    [
      'a code without a leading space',
      { positive: '1', negative: ' 2', neutral: ' 3' },
      'codes must be a space then text, not so for "positive"',
    ],
    ['a blank code', { positive: ' ', negative: ' 2', neutral: ' 3' }, 'not so for "positive"'],
    ['a shared code', { positive: ' 1', negative: ' 1', neutral: ' 3' }, 'two labels share a code'],
    [
      'a code that starts another',
      { positive: ' 1', negative: ' 12', neutral: ' 3' },
      'a code is the beginning of another',
    ],
    ['a label without a code', { positive: ' 1', negative: ' 2' }, 'no code for "neutral"'],
  ])('flags %s in completions exports', (_case, codes, message) => {
    const [warning] = warn({ codes });
    expect(warning?.code).toBe('inconsistent_format');
    expect(warning?.message).toContain(message);
    expect(codesOf({ codes, format: 'openai-chat' })).toEqual([]);
  });

  it('accepts the codes labelCodes makes for many labels', () => {
    const many = Array.from({ length: 30 }, (_, i) => `label ${i}`);
    const counts = Object.fromEntries(many.map((label) => [label, 10]));
    const input = {
      labels: many,
      labelCounts: counts,
      labelCountsBySplit: { train: counts, validation: {}, test: {} },
    };
    expect(codesOf({ ...input, codes: labelCodes(many.map((name) => ({ name }))) })).toEqual([]);
  });

  it('reports several problems in a fixed order', () => {
    expect(codesOf({ labelCounts: { positive: 5 }, overTokenLimit: 1, unlabeled: 2, codes: {} })).toEqual([
      'too_few_examples',
      'over_token_limit',
      'class_imbalance',
      'unlabeled_rows',
      'inconsistent_format',
    ]);
  });
});
