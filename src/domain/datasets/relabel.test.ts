import { describe, expect, it } from 'vitest';
import { applyOperations } from './apply-operations.js';
import { OperationError } from './operations.js';
import { relabel } from './relabel.js';
import { newRow, type DatasetRow } from './rows.js';

const ctx = { labels: ['positive', 'negative', 'neutral'], tokenizerModel: 'gpt-4o-mini' };

const llmRow = (text: string, label: string): DatasetRow => ({ ...newRow(text, label, 'llm'), confidence: 0.8 });

describe('relabel', () => {
  const rows = [
    llmRow('good', 'pos'),
    llmRow('bad', 'neg'),
    newRow('meh', 'neutral'),
    newRow('good', 'pos'),
    newRow('??', null),
  ];

  it('renames labels through the map, keeping who labelled them', () => {
    const result = relabel(rows, { op: 'relabel', map: { pos: 'positive', neg: 'negative' } }, ctx);
    expect(result.rows.map((r) => r.label)).toEqual(['positive', 'negative', 'neutral', 'positive', null]);
    expect(result.rows[0]).toEqual({ ...rows[0], label: 'positive' });
    expect(result.rows[2]).toBe(rows[2]);
    expect(result.details).toEqual({
      renamed: 3,
      overridden: 0,
      overridden_by_human: 0,
      overridden_by_llm: 0,
      unmatched: 0,
    });
  });

  it('does not chain renames', () => {
    const result = relabel(
      [newRow('x', 'a'), newRow('y', 'positive')],
      { op: 'relabel', map: { a: 'positive', positive: 'negative' } },
      ctx,
    );
    expect(result.rows.map((r) => r.label)).toEqual(['positive', 'negative']);
  });

  it('overrides every row with the example id as a human label, after the map', () => {
    const good = rows[0] as DatasetRow;
    const result = relabel(
      rows,
      {
        op: 'relabel',
        map: { pos: 'positive' },
        overrides: [
          { example_id: good.exampleId, label: 'neutral' },
          { example_id: 'f'.repeat(64), label: 'negative' },
        ],
      },
      ctx,
    );
    expect(result.rows[0]).toEqual({ ...good, label: 'neutral', labelSource: 'human', confidence: null });
    expect(result.rows[3]).toMatchObject({ label: 'neutral', labelSource: 'human' });
    expect(result.details).toEqual({
      renamed: 2,
      overridden: 2,
      overridden_by_human: 2,
      overridden_by_llm: 0,
      unmatched: 1,
    });
  });

  it('records an override applied from an LLM suggestion with label source llm, and counts it apart', () => {
    const [bad, meh] = [rows[1] as DatasetRow, rows[2] as DatasetRow];
    const result = relabel(
      rows,
      {
        op: 'relabel',
        overrides: [
          { example_id: bad.exampleId, label: 'negative', reviewer: 'llm' },
          { example_id: meh.exampleId, label: 'positive', reviewer: 'human' },
        ],
      },
      ctx,
    );
    expect(result.rows[1]).toMatchObject({ label: 'negative', labelSource: 'llm', confidence: null });
    expect(result.rows[2]).toMatchObject({ label: 'positive', labelSource: 'human' });
    expect(result.details).toMatchObject({ overridden: 2, overridden_by_human: 1, overridden_by_llm: 1 });
  });

  it('can label a row that had no label', () => {
    const unlabeled = rows[4] as DatasetRow;
    const result = relabel(
      rows,
      { op: 'relabel', overrides: [{ example_id: unlabeled.exampleId, label: 'neutral' }] },
      ctx,
    );
    expect(result.rows[4]).toMatchObject({ label: 'neutral', labelSource: 'human', confidence: null });
  });

  it.each([
    [{ op: 'relabel', map: { pos: 'good' } }, 'map.pos'],
    [
      {
        op: 'relabel',
        overrides: [
          { example_id: 'a', label: 'neutral' },
          { example_id: 'b', label: 'positive' },
          { example_id: 'c', label: 'great' },
        ],
      },
      'overrides[2].label',
    ],
    [{ op: 'relabel', overrides: [{ example_id: '', label: 'neutral' }] }, 'overrides[0].example_id'],
    [
      {
        op: 'relabel',
        overrides: [
          { example_id: 'a', label: 'neutral' },
          { example_id: 'a', label: 'positive' },
        ],
      },
      'overrides[1].example_id',
    ],
    [{ op: 'relabel', map: ['positive'] }, 'map'],
  ])('rejects %j with the operation index and field %s', (op, field) => {
    const operations = [{ op: 'dedupe' }, { op: 'clean' }, op] as never;
    let caught: unknown;
    try {
      applyOperations(rows, operations, ctx);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OperationError);
    expect(caught).toMatchObject({ index: 2, field });
  });
});
