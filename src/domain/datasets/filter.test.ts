import { describe, expect, it } from 'vitest';
import { filter, validateFilter } from './filter.js';
import { OperationError } from './operations.js';
import { newRow } from './rows.js';
import { countTokens } from './tokens.js';

const ctx = { labels: ['pos', 'neg', 'neutral'], tokenizerModel: 'gpt-4o-mini' };

describe('filter', () => {
  describe('max_tokens', () => {
    // o200k (gpt-4o family) encodes Hindi in far fewer tokens than cl100k (gpt-4, gpt-3.5).
    const hindi = 'यह एक परीक्षण वाक्य है जिसका उपयोग टोकन गिनने के लिए किया जाता है';
    const o200k = countTokens(hindi, 'gpt-4o-mini');
    const cl100k = countTokens(hindi, 'gpt-4');
    const rows = [newRow(hindi, 'pos'), newRow('short', 'neg')];

    it('has a text the two tokenizers disagree on', () => {
      expect(o200k).toBeLessThan(cl100k);
    });

    it('counts with the named model', () => {
      expect(filter(rows, { op: 'filter', max_tokens: o200k, model: 'gpt-4o' }, ctx).rows).toEqual(rows);
      const strict = filter(rows, { op: 'filter', max_tokens: o200k, model: 'gpt-4' }, ctx);
      expect(strict.rows).toEqual([rows[1]]);
      expect(strict.details).toMatchObject({ removed: 1, removed_max_tokens: 1, tokenizer_model: 'gpt-4' });
    });

    it('falls back to the context’s tokenizer model', () => {
      expect(filter(rows, { op: 'filter', max_tokens: o200k - 1 }, ctx).details).toMatchObject({
        removed_max_tokens: 1,
        tokenizer_model: 'gpt-4o-mini',
      });
      expect(
        filter(rows, { op: 'filter', max_tokens: o200k }, { ...ctx, tokenizerModel: 'gpt-3.5-turbo' }).rows,
      ).toHaveLength(1);
    });

    it('keeps a long ASCII text whose tokens fit even though its bytes do not', () => {
      const text = 'hello world hello world hello world';
      expect(filter([newRow(text, 'pos')], { op: 'filter', max_tokens: 6 }, ctx).rows).toHaveLength(1);
      expect(filter([newRow(text, 'pos')], { op: 'filter', max_tokens: 5 }, ctx).rows).toHaveLength(0);
    });
  });

  it('counts min_chars in code points, not UTF-16 units', () => {
    const emoji = newRow('👍👍👍', 'pos'); // 3 code points, 6 UTF-16 units
    expect(filter([emoji], { op: 'filter', min_chars: 3 }, ctx).rows).toHaveLength(1);
    expect(filter([emoji], { op: 'filter', min_chars: 4 }, ctx).details).toMatchObject({ removed_min_chars: 1 });
    expect(filter([newRow('e\u0301', 'pos')], { op: 'filter', min_chars: 2 }, ctx).rows).toHaveLength(1);
  });

  it('applies label criteria to labelled rows and drop_unlabeled to the rest, counting each criterion', () => {
    const rows = [
      newRow('1', 'pos'),
      newRow('2', 'neg'),
      newRow('3', 'neutral'),
      newRow('4', null),
      newRow('5', 'pos'),
    ];
    const kept = filter(rows, { op: 'filter', include_labels: ['pos', 'neg'], exclude_labels: ['neg'] }, ctx);
    expect(kept.rows.map((r) => r.text)).toEqual(['1', '4', '5']);
    expect(kept.details).toEqual({
      removed: 2,
      removed_unlabeled: 0,
      removed_include_labels: 1,
      removed_exclude_labels: 1,
      removed_min_chars: 0,
      removed_max_tokens: 0,
    });
    const labelled = filter(rows, { op: 'filter', drop_unlabeled: true, min_chars: 1 }, ctx);
    expect(labelled.rows.map((r) => r.text)).toEqual(['1', '2', '3', '5']);
    expect(labelled.details).toMatchObject({ removed: 1, removed_unlabeled: 1 });
  });

  it.each([
    [{ op: 'filter', include_labels: ['pos', 'positive'] }, 'include_labels[1]'],
    [{ op: 'filter', exclude_labels: ['x'] }, 'exclude_labels[0]'],
    [{ op: 'filter', max_tokens: 0 }, 'max_tokens'],
    [{ op: 'filter', min_chars: -1 }, 'min_chars'],
    [{ op: 'filter', max_tokens: 1.5 }, 'max_tokens'],
    [{ op: 'filter', model: '' }, 'model'],
    [{ op: 'filter', drop_unlabeled: 'yes' }, 'drop_unlabeled'],
  ])('rejects %j at field %s', (op, field) => {
    expect(() => validateFilter(op as never, 3, ctx)).toThrow(expect.objectContaining({ index: 3, field }));
    expect(() => validateFilter(op as never, 3, ctx)).toThrow(OperationError);
  });
});
