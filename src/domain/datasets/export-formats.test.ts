import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { COMPLETION_SUFFIX, csvHeader, exportLine, labelCodes, labelMapFromCodes } from './export-formats.js';
import { parseCsvRecord, parseJsonLine, type ImportOptions } from './import-formats.js';
import { newRow, type DatasetRow, type Split } from './rows.js';

const labels = ['positive', 'negative', 'other'];
const codes = labelCodes(labels.map((name) => ({ name })));
const context = { instructions: 'Classify the review.', codes };
const row = (text: string, label: string | null, split: Split | null = 'train'): DatasetRow => ({
  ...newRow(text, label),
  split,
});

describe('labelCodes', () => {
  it('uses the order of ordinal labels', () => {
    const stars = [5, 4, 3, 2, 1].map((order) => ({ name: `${order} stars`, order }));
    expect(labelCodes(stars)).toEqual({
      '5 stars': ' 5',
      '4 stars': ' 4',
      '3 stars': ' 3',
      '2 stars': ' 2',
      '1 stars': ' 1',
    });
  });

  it('pads ordinal codes so none is a prefix of another', () => {
    const nps = Array.from({ length: 11 }, (_, order) => ({ name: `score ${order}`, order }));
    const result = labelCodes(nps);
    expect(result['score 1']).toBe(' 01');
    expect(result['score 10']).toBe(' 10');
  });

  it('numbers ordinal labels by order when their orders would clash', () => {
    expect(
      labelCodes([
        { name: 'b', order: 1.5 },
        { name: 'a', order: 1 },
        { name: 'c', order: -1 },
      ]),
    ).toEqual({ c: ' 1', a: ' 2', b: ' 3' });
  });

  it('numbers nominal labels in the given order', () => {
    expect(labelCodes([{ name: 'sports' }, { name: 'politics' }, { name: 'tech' }])).toEqual({
      sports: ' 1',
      politics: ' 2',
      tech: ' 3',
    });
  });

  it('gives the first "nothing applies" label nil, whatever its case', () => {
    expect(labelCodes([{ name: 'spam' }, { name: 'None' }, { name: 'ham' }, { name: 'other' }])).toEqual({
      spam: ' 1',
      None: ' nil',
      ham: ' 2',
      other: ' 3',
    });
  });

  it('ignores nil names on ordinal tasks', () => {
    expect(
      labelCodes([
        { name: 'none', order: 0 },
        { name: 'some', order: 1 },
      ]),
    ).toEqual({ none: ' 0', some: ' 1' });
  });

  it('pads nominal codes from ten labels on', () => {
    const result = labelCodes(Array.from({ length: 12 }, (_, i) => ({ name: `l${i}` })));
    expect(Object.values(result)).toEqual([
      ' 01',
      ' 02',
      ' 03',
      ' 04',
      ' 05',
      ' 06',
      ' 07',
      ' 08',
      ' 09',
      ' 10',
      ' 11',
      ' 12',
    ]);
  });

  it('returns no codes for no labels', () => {
    expect(labelCodes([])).toEqual({});
  });
});

describe('exportLine', () => {
  it('writes chat messages, without an answer for unlabeled rows', () => {
    expect(JSON.parse(exportLine(row('good', 'positive'), 'openai-chat', context))).toEqual({
      messages: [
        { role: 'system', content: 'Classify the review.' },
        { role: 'user', content: 'good' },
        { role: 'assistant', content: 'positive' },
      ],
    });
    expect(JSON.parse(exportLine(row('meh', null), 'openai-chat', context)).messages).toHaveLength(2);
  });

  it('writes completions with the suffix and the code', () => {
    expect(exportLine(row('good', 'positive'), 'openai-completions', context)).toBe(
      JSON.stringify({ prompt: `good${COMPLETION_SUFFIX}`, completion: ' 1' }),
    );
    expect(exportLine(row('bad', 'negative'), 'openai-completions', context)).toContain('"completion":" nil"');
    expect(exportLine(row('so-so', 'other'), 'openai-completions', context)).toContain('"completion":" 2"');
    expect(JSON.parse(exportLine(row('meh', null), 'openai-completions', context)).completion).toBe('');
  });

  it('refuses a label without a completion code', () => {
    expect(() => exportLine(row('x', 'unknown'), 'openai-completions', context)).toThrow(
      /no completion code for label "unknown"/,
    );
  });

  it('writes jsonl with text, label and split', () => {
    expect(exportLine(row('good', 'positive', 'test'), 'jsonl', context)).toBe(
      '{"text":"good","label":"positive","split":"test"}',
    );
    expect(exportLine(row('meh', null, null), 'jsonl', context)).toBe('{"text":"meh","label":null,"split":null}');
  });

  it('escapes characters that some readers treat as line breaks', () => {
    const line = exportLine(row('a\u2028b\u2029c\u0085d', null), 'jsonl', context);
    expect(line).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
    expect(JSON.parse(line).text).toBe('a\u2028b\u2029c\u0085d');
  });

  it('writes CSV, quoting only when needed', () => {
    expect(csvHeader()).toBe('text,label,split');
    expect(exportLine(row('plain text', 'positive'), 'csv', context)).toBe('plain text,positive,train');
    expect(exportLine(row('a, b', null, null), 'csv', context)).toBe('"a, b",,');
    expect(exportLine(row('say "hi"', 'negative'), 'csv', context)).toBe('"say ""hi""",negative,train');
    expect(exportLine(row('two\nlines', 'negative'), 'csv', context)).toBe('"two\nlines",negative,train');
    expect(exportLine(row('cr\rhere', 'negative'), 'csv', context)).toBe('"cr\rhere",negative,train');
  });
});

describe('export round-trip', () => {
  const texts = [
    'plain',
    'with "double" and \'single\' quotes',
    'line one\nline two\r\nline three',
    'tab\tseparated, and comma; semicolon',
    'emoji 😀👍🏽 and family 👨‍👩‍👧',
    'non-BMP 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎 and CJK 中文',
    'backslash \\ and slash / and \\n literal',
    'ends with the legacy arrow ->',
    'contains\n\n###\n\nthe separator',
    'separators\u2028inside\u2029text',
  ];
  // No lone surrogate: import refuses one (invalid_text; Postgres cannot store it), so no stored row has one to export.
  const jsonTexts = [...texts, 'paired surrogates 😀 here'];
  const rows = texts.flatMap((text, i) => [row(text, labels[i % labels.length] ?? null), row(text, null)]);
  const jsonRows = jsonTexts.flatMap((text, i) => [row(text, labels[i % labels.length] ?? null), row(text, null)]);
  const importOptions: ImportOptions = { labels, labelMap: {}, maxTextChars: 1000 };

  it.each(['jsonl', 'openai-chat'] as const)('gives back every row through %s', (format) => {
    for (const exported of jsonRows) {
      const line = exportLine(exported, format, context);
      expect(line).not.toContain('\n');
      expect(parseJsonLine(line, format, importOptions)).toEqual({
        ok: true,
        text: exported.text,
        label: exported.label,
      });
    }
  });

  it('gives back every row through openai-completions with the inverse code map', () => {
    const completionsOptions = { ...importOptions, labelMap: labelMapFromCodes(codes) };
    for (const exported of jsonRows) {
      const line = exportLine(exported, 'openai-completions', context);
      expect(parseJsonLine(line, 'openai-completions', completionsOptions)).toEqual({
        ok: true,
        text: exported.text,
        label: exported.label,
      });
    }
  });

  it('gives back every row through csv', () => {
    const file = [csvHeader(), ...rows.map((exported) => exportLine(exported, 'csv', context))].join('\r\n');
    const records = parse(file, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(rows.length);
    records.forEach((record, i) => {
      expect(parseCsvRecord(record, importOptions)).toEqual({ ok: true, text: rows[i]?.text, label: rows[i]?.label });
      expect(record.split).toBe('train');
    });
  });
});
