import { describe, expect, it } from 'vitest';
import { dedupe, normalizedKey } from './dedupe.js';
import { newRow } from './rows.js';

const ctx = { labels: ['greeting', 'other'], tokenizerModel: 'gpt-4o-mini' };

describe('normalizedKey', () => {
  it('folds width, case and every kind of whitespace', () => {
    expect(normalizedKey('ＨＥＬＬＯ\u3000World')).toBe('hello world');
    expect(normalizedKey('\uFEFF Hello\r\n\tWORLD\u00a0 ')).toBe('hello world');
  });

  it('keeps emoji modifiers distinct', () => {
    expect(normalizedKey('👍🏽 OK')).toBe('👍🏽 ok');
    expect(normalizedKey('👍🏽 OK')).not.toBe(normalizedKey('👍 ok'));
  });
});

describe('dedupe', () => {
  const rows = [
    newRow('Hello  World', 'greeting'),
    newRow('hello world', 'greeting'),
    newRow('Hello  World', 'other'),
    newRow('ｈｅｌｌｏ　ｗｏｒｌｄ', 'greeting'),
    newRow('HELLO\r\nWORLD\t', null),
    newRow('👍🏽 ok', 'other'),
    newRow('👍🏽 OK', 'other'),
  ];

  it('exact mode removes only byte-identical texts, keeping the first', () => {
    const result = dedupe(rows, { op: 'dedupe' }, ctx);
    expect(result.rows.map((r) => r.text)).toEqual([
      'Hello  World',
      'hello world',
      'ｈｅｌｌｏ　ｗｏｒｌｄ',
      'HELLO\r\nWORLD\t',
      '👍🏽 ok',
      '👍🏽 OK',
    ]);
    expect(result.rows[0]).toBe(rows[0]);
    expect(result.details).toEqual({ mode: 'exact', removed: 1, conflicting_labels: 1 });
  });

  it('normalized mode treats case, width and spacing variants as one text', () => {
    const result = dedupe(rows, { op: 'dedupe', mode: 'normalized' }, ctx);
    expect(result.rows).toEqual([rows[0], rows[5]]);
    // 'Hello  World'/other and the unlabelled variant disagree with the kept 'greeting'.
    expect(result.details).toEqual({ mode: 'normalized', removed: 5, conflicting_labels: 2 });
  });

  it('does nothing to an empty version', () => {
    expect(dedupe([], { op: 'dedupe', mode: 'normalized' }, ctx)).toEqual({
      rows: [],
      details: { mode: 'normalized', removed: 0, conflicting_labels: 0 },
    });
  });
});
