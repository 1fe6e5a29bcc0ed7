import { describe, expect, it } from 'vitest';
import { applyOperations } from './apply-operations.js';
import { OperationError, type Operation } from './operations.js';
import { exampleIdOf, newRow, type DatasetRow } from './rows.js';
import { contentHash } from './stats.js';

const ctx = { labels: ['billing', 'bug', 'other'], tokenizerModel: 'gpt-4o-mini' };

const deepFreeze = (rows: DatasetRow[]) => Object.freeze(rows.map((row) => Object.freeze(row))) as DatasetRow[];

describe('applyOperations', () => {
  const rows = deepFreeze([
    newRow('\uFEFFMy invoice is wrong https://pay.example.com/i/1', 'Billing'),
    newRow('my invoice   is WRONG', 'Billing'),
    newRow('App crashes on start <@U123ABC>', 'bug'),
    newRow('```\nstack trace\n```', 'bug'),
    newRow('Thanks!', null),
    newRow('Where is my refund?', 'Billing'),
  ]);
  const operations: Operation[] = [
    { op: 'clean' },
    { op: 'dedupe', mode: 'normalized' },
    { op: 'relabel', map: { Billing: 'billing' } },
    { op: 'filter', drop_unlabeled: true, min_chars: 5 },
    { op: 'split', train: 0.5, validation: 0.5, test: 0 },
  ];

  it('runs the operations in order and reports each step', () => {
    const result = applyOperations(rows, operations, ctx);
    expect(result.rows.map((r) => [r.text, r.label])).toEqual([
      ['My invoice is wrong', 'billing'],
      ['App crashes on start', 'bug'],
      ['Where is my refund?', 'billing'],
    ]);
    expect(result.rows[0]?.exampleId).toBe(exampleIdOf('My invoice is wrong'));
    expect(result.report.map(({ op, rows_before, rows_after }) => [op, rows_before, rows_after])).toEqual([
      ['clean', 6, 5],
      ['dedupe', 5, 4],
      ['relabel', 4, 4],
      ['filter', 4, 3],
      ['split', 3, 3],
    ]);
    expect(result.report[0]?.details).toMatchObject({ changed: 3, emptied: 1, urls: 1, mentions: 1, code_blocks: 1 });
    expect(result.report[2]?.details).toEqual({
      renamed: 2,
      overridden: 0,
      overridden_by_human: 0,
      overridden_by_llm: 0,
      unmatched: 0,
    });
    // Per stratum: billing 2 rows → 1 / 1; bug 1 row → train (ties go to the earlier split).
    expect(result.report[4]?.details).toEqual({ train: 2, validation: 1, test: 0, strata: 2 });
  });

  it('never mutates its input and is deterministic', () => {
    const first = applyOperations(rows, operations, ctx);
    const second = applyOperations(rows, operations, ctx);
    expect(contentHash(second.rows)).toBe(contentHash(first.rows));
    expect(second).toEqual(first);
  });

  it('returns the rows untouched for an empty list of operations', () => {
    expect(applyOperations(rows, [], ctx)).toEqual({ rows, report: [] });
  });

  it('validates every operation before running any', () => {
    // Reading the rows throws, so reaching an OperationError proves nothing ran first.
    const untouchable = new Proxy([] as DatasetRow[], {
      get() {
        throw new Error('rows were read');
      },
    });
    const bad = [
      { op: 'dedupe' },
      { op: 'clean' },
      { op: 'split', train: 0.8, validation: 0.3, test: 0 },
    ] as Operation[];
    expect(() => applyOperations(untouchable, bad, ctx)).toThrow(OperationError);
    expect(() => applyOperations(untouchable, bad, ctx)).toThrow(
      expect.objectContaining({ index: 2, field: 'train+validation+test' }),
    );
  });

  it.each([
    [{ op: 'shuffle' }, 'op'],
    [null, 'op'],
    [{ op: 'dedupe', mode: 'fuzzy' }, 'mode'],
    [{ op: 'clean', urls: 'yes' }, 'urls'],
  ])('rejects %j at field %s', (op, field) => {
    expect(() => applyOperations([], [{ op: 'dedupe' }, op as never], ctx)).toThrow(
      expect.objectContaining({ index: 1, field }),
    );
  });

  it('handles 100,000 rows (speed is measured in bench/, not here)', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => {
      const n = i % 90_000;
      return newRow(
        `Ticket ${n} about ${n % 7 === 0 ? 'a refund' : 'a crash'} see https://x.io/${i} @agent`,
        n % 7 === 0 ? 'Billing' : n % 11 === 0 ? null : 'bug',
      );
    });
    const result = applyOperations(
      many,
      [
        { op: 'clean' },
        { op: 'dedupe', mode: 'normalized' },
        { op: 'relabel', map: { Billing: 'billing' } },
        { op: 'filter', max_tokens: 64, min_chars: 10 },
        { op: 'sample', balance: 'oversample' },
        { op: 'split', train: 0.8, validation: 0.1, test: 0.1 },
      ],
      ctx,
    );
    // Cleaning strips the per-row URL, so texts repeat every 90,000 rows: 10,000 duplicates.
    expect(result.report[1]).toMatchObject({ rows_before: 100_000, rows_after: 90_000 });
    const billing = result.rows.filter((row) => row.label === 'billing').length;
    expect(billing).toBeGreaterThan(10_000);
    expect(result.rows.filter((row) => row.label === 'bug')).toHaveLength(billing);
    expect(result.rows.every((row) => row.split !== null)).toBe(true);
  });
});
