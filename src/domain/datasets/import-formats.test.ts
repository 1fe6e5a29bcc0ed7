import { describe, expect, it } from 'vitest';
import { detectFormat, parseCsvRecord, parseJsonLine, type ImportOptions, type LineResult } from './import-formats.js';

const options: ImportOptions = { labels: ['positive', 'negative', 'neutral'], labelMap: {}, maxTextChars: 20 };
const withOptions = (overrides: Partial<ImportOptions>): ImportOptions => ({ ...options, ...overrides });
const ok = (text: string, label: string | null): LineResult => ({ ok: true, text, label });
const reasonOf = (result: LineResult) => (result.ok ? 'ok' : result.reason);
const messageOf = (result: LineResult) => (result.ok ? '' : result.message);

describe('detectFormat', () => {
  it.each([
    ['{"messages":[{"role":"user","content":"hi"}]}', 'openai-chat'],
    ['{"prompt":"hi ->","completion":" positive"}', 'openai-completions'],
    ['{"text":"hi","label":"positive"}', 'jsonl'],
    ['{"text":"hi","messages":[]}', 'openai-chat'],
    ['\uFEFF{"text":"hi"}\r', 'jsonl'],
    ['text,label', 'csv'],
    ['text;label', 'csv'],
    ['text\tlabel', 'csv'],
    ['{"text": "broken", ', 'csv'],
  ])('reads %j as %s', (line, format) => {
    expect(detectFormat(line)).toBe(format);
  });

  it.each([[''], ['   '], ['just words'], ['{"foo":1}'], ['[1,2]'], ['"a,b"'], ['42']])('gives up on %j', (line) => {
    expect(detectFormat(line)).toBeUndefined();
  });
});

describe('parseJsonLine: jsonl', () => {
  it('reads text and label and ignores other keys', () => {
    expect(parseJsonLine('{"text":"great film","label":"positive","id":7}', 'jsonl', options)).toEqual(
      ok('great film', 'positive'),
    );
  });

  it.each([
    ['{"text":"x"}'],
    ['{"text":"x","label":null}'],
    ['{"text":"x","label":""}'],
    ['{"text":"x","label":"   "}'],
  ])('treats %s as unlabeled', (line) => {
    expect(parseJsonLine(line, 'jsonl', options)).toEqual(ok('x', null));
  });

  it('strips a BOM and one trailing CR', () => {
    expect(parseJsonLine('\uFEFF{"text":"a","label":"neutral"}\r', 'jsonl', options)).toEqual(ok('a', 'neutral'));
  });

  it('trims surrounding whitespace of text and label but keeps the inside', () => {
    expect(parseJsonLine('{"text":"  two\\n\\nlines\\t here \\n","label":" positive "}', 'jsonl', options)).toEqual(
      ok('two\n\nlines\t here', 'positive'),
    );
  });

  it('quotes the JSON.parse error', () => {
    const result = parseJsonLine('{"text": }', 'jsonl', options);
    expect(reasonOf(result)).toBe('invalid_json');
    expect(messageOf(result)).toMatch(/^invalid JSON: .*Unexpected token/);
  });

  it.each([[''], ['{"text":"x"'], ['\r']])('calls %j invalid JSON', (line) => {
    expect(reasonOf(parseJsonLine(line, 'jsonl', options))).toBe('invalid_json');
  });

  it.each([
    ['[1,2]', 'expected a JSON object, got array'],
    ['"text"', 'expected a JSON object, got string'],
    ['null', 'expected a JSON object, got null'],
    ['3', 'expected a JSON object, got number'],
  ])('rejects %s as not an object', (line, message) => {
    expect(parseJsonLine(line, 'jsonl', options)).toEqual({ ok: false, reason: 'not_an_object', message });
  });

  it('reports missing, empty and wrongly typed text', () => {
    expect(reasonOf(parseJsonLine('{"label":"positive"}', 'jsonl', options))).toBe('missing_text');
    expect(reasonOf(parseJsonLine('{"text":" \\n\\t "}', 'jsonl', options))).toBe('empty_text');
    expect(parseJsonLine('{"text":42}', 'jsonl', options)).toEqual({
      ok: false,
      reason: 'wrong_type',
      message: '"text" must be a string, got number',
    });
    expect(messageOf(parseJsonLine('{"text":null}', 'jsonl', options))).toBe('"text" must be a string, got null');
  });

  it('counts length in code points after trimming', () => {
    const twenty = '😀'.repeat(20); // 40 UTF-16 units, 20 code points
    expect(parseJsonLine(JSON.stringify({ text: `  ${twenty}  ` }), 'jsonl', options)).toEqual(ok(twenty, null));
    expect(parseJsonLine(JSON.stringify({ text: 'a'.repeat(21) }), 'jsonl', options)).toEqual({
      ok: false,
      reason: 'text_too_long',
      message: 'text has 21 characters; the limit is 20',
    });
    expect(reasonOf(parseJsonLine(JSON.stringify({ text: `${twenty}😀` }), 'jsonl', options))).toBe('text_too_long');
  });

  it('refuses text Postgres cannot store (U+0000, unpaired surrogates) in every format', () => {
    expect(parseJsonLine('{"text":"a \\u0000 b","label":"positive"}', 'jsonl', options)).toEqual({
      ok: false,
      reason: 'invalid_text',
      message: 'text contains U+0000 (NUL) at position 2; it cannot be stored',
    });
    expect(reasonOf(parseJsonLine('{"text":"x \\ud800"}', 'jsonl', options))).toBe('invalid_text');
    expect(reasonOf(parseJsonLine('{"messages":[{"role":"user","content":"\\udc00"}]}', 'openai-chat', options))).toBe(
      'invalid_text',
    );
    expect(reasonOf(parseJsonLine('{"prompt":"a\\u0000"}', 'openai-completions', options))).toBe('invalid_text');
    expect(reasonOf(parseCsvRecord({ text: 'a\u0000b', label: '' }, options))).toBe('invalid_text');
  });

  it('keeps unicode text exactly', () => {
    const text = 'naïve 𝔘𝔫𝔦 “q” 中文';
    expect(parseJsonLine(JSON.stringify({ text, label: 'neutral' }), 'jsonl', options)).toEqual(ok(text, 'neutral'));
  });
});

describe('labels', () => {
  it('names the unknown label and the allowed ones', () => {
    expect(parseJsonLine('{"text":"x","label":"great"}', 'jsonl', options)).toEqual({
      ok: false,
      reason: 'unknown_label',
      message: 'unknown label "great"; allowed: "positive", "negative", "neutral"',
    });
  });

  it('lists at most ten allowed labels', () => {
    const many = withOptions({ labels: Array.from({ length: 14 }, (_, i) => `l${i}`) });
    const message = messageOf(parseJsonLine('{"text":"x","label":"zz"}', 'jsonl', many));
    expect(message).toContain('"l9", … (4 more)');
    expect(message).not.toContain('"l10"');
  });

  it('is exact about case but points at the likely label', () => {
    const result = parseJsonLine('{"text":"x","label":"Positive"}', 'jsonl', options);
    expect(reasonOf(result)).toBe('unknown_label');
    expect(messageOf(result)).toContain('did you mean "positive"?');
  });

  it('applies the label map before checking membership', () => {
    const mapped = withOptions({ labelMap: { pos: 'positive', neg: 'negative', skip: '' } });
    expect(parseJsonLine('{"text":"x","label":" pos "}', 'jsonl', mapped)).toEqual(ok('x', 'positive'));
    expect(parseJsonLine('{"text":"x","label":"skip"}', 'jsonl', mapped)).toEqual(ok('x', null));
    expect(parseJsonLine('{"text":"x","label":"positive"}', 'jsonl', mapped)).toEqual(ok('x', 'positive'));
  });

  it('names the original label when the mapped one is unknown', () => {
    const mapped = withOptions({ labelMap: { pos: 'good' } });
    expect(messageOf(parseJsonLine('{"text":"x","label":"pos"}', 'jsonl', mapped))).toMatch(
      /^unknown label "good" \(mapped from "pos"\)/,
    );
  });

  it('ignores inherited keys of the label map', () => {
    expect(reasonOf(parseJsonLine('{"text":"x","label":"constructor"}', 'jsonl', options))).toBe('unknown_label');
  });

  it('reads numbers as their string form, then maps them', () => {
    const stars = withOptions({ labels: ['1', '2', '3', '4', '5'] });
    expect(parseJsonLine('{"text":"x","label":5}', 'jsonl', stars)).toEqual(ok('x', '5'));
    expect(reasonOf(parseJsonLine('{"text":"x","label":6}', 'jsonl', stars))).toBe('unknown_label');
    const named = withOptions({ labelMap: { '1': 'negative', '5': 'positive' } });
    expect(parseJsonLine('{"text":"x","label":1}', 'jsonl', named)).toEqual(ok('x', 'negative'));
  });

  it.each([
    ['true', 'boolean'],
    ['{"a":1}', 'object'],
    ['["positive"]', 'array'],
  ])('rejects a %s label', (label, type) => {
    expect(parseJsonLine(`{"text":"x","label":${label}}`, 'jsonl', options)).toEqual({
      ok: false,
      reason: 'wrong_type',
      message: `"label" must be a string, got ${type}`,
    });
  });
});

describe('parseJsonLine: openai-chat', () => {
  const chat = (...messages: unknown[]) => JSON.stringify({ messages });

  it('takes the last user message and the assistant answer after it', () => {
    const line = chat(
      { role: 'system', content: 'Classify.' },
      { role: 'user', content: 'example one' },
      { role: 'assistant', content: 'negative' },
      { role: 'user', content: 'the real one' },
      { role: 'assistant', content: 'positive' },
    );
    expect(parseJsonLine(line, 'openai-chat', options)).toEqual(ok('the real one', 'positive'));
  });

  it('leaves the row unlabeled when no assistant answers the last user message', () => {
    const line = chat(
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'negative' },
      { role: 'user', content: 'last' },
    );
    expect(parseJsonLine(line, 'openai-chat', options)).toEqual(ok('last', null));
    expect(
      parseJsonLine(chat({ role: 'user', content: 'x' }, { role: 'assistant', content: null }), 'openai-chat', options),
    ).toEqual(ok('x', null));
  });

  it('maps and checks the assistant label', () => {
    const line = chat({ role: 'user', content: 'x' }, { role: 'assistant', content: 'bad' });
    expect(parseJsonLine(line, 'openai-chat', withOptions({ labelMap: { bad: 'negative' } }))).toEqual(
      ok('x', 'negative'),
    );
    expect(reasonOf(parseJsonLine(line, 'openai-chat', options))).toBe('unknown_label');
  });

  it('reports each malformed shape', () => {
    expect(reasonOf(parseJsonLine('{"text":"x"}', 'openai-chat', options))).toBe('missing_text');
    expect(parseJsonLine(chat({ role: 'system', content: 'x' }), 'openai-chat', options)).toEqual({
      ok: false,
      reason: 'missing_text',
      message: 'no user message in "messages"',
    });
    expect(messageOf(parseJsonLine('{"messages":"hi"}', 'openai-chat', options))).toBe(
      '"messages" must be an array, got string',
    );
    expect(messageOf(parseJsonLine(chat({ role: 'user', content: 'x' }, 'oops'), 'openai-chat', options))).toBe(
      '"messages[1]" must be an object, got string',
    );
    const parts = chat({ role: 'user', content: [{ type: 'text', text: 'x' }] });
    expect(parseJsonLine(parts, 'openai-chat', options)).toEqual({
      ok: false,
      reason: 'wrong_type',
      message: '"messages[0].content" must be a string, got array',
    });
    const badAnswer = chat({ role: 'user', content: 'x' }, { role: 'assistant', content: { label: 'positive' } });
    expect(messageOf(parseJsonLine(badAnswer, 'openai-chat', options))).toBe(
      '"messages[1].content" must be a string, got object',
    );
    expect(reasonOf(parseJsonLine(chat({ role: 'user', content: '  ' }), 'openai-chat', options))).toBe('empty_text');
  });
});

describe('parseJsonLine: openai-completions', () => {
  const line = (prompt: unknown, completion?: unknown) => JSON.stringify({ prompt, completion });

  it.each([
    ['great film\n\n###\n\n'],
    ['great film\n\n###\n'],
    ['great film\n###\n'],
    ['great film ->'],
    ['great film\n\n'],
    ['great film'],
  ])('recognises the legacy suffix in %j', (prompt) => {
    expect(parseJsonLine(line(prompt, ' positive'), 'openai-completions', options)).toEqual(
      ok('great film', 'positive'),
    );
  });

  it('strips only one suffix, the longest that matches', () => {
    expect(parseJsonLine(line('a ->\n\n###\n\n'), 'openai-completions', options)).toEqual(ok('a ->', null));
  });

  it('strips only the given suffix when one is configured', () => {
    const custom = withOptions({ promptSuffix: '\n\nLabel:' });
    expect(parseJsonLine(line('a ->\n\nLabel:'), 'openai-completions', custom)).toEqual(ok('a ->', null));
    expect(parseJsonLine(line('a ->'), 'openai-completions', custom)).toEqual(ok('a ->', null));
  });

  it.each([[' positive'], ['positive'], [' positive\n'], [' positive END'], [' positive###'], [' positive END\n']])(
    'cleans the completion %j',
    (completion) => {
      expect(parseJsonLine(line('x ->', completion), 'openai-completions', options)).toEqual(ok('x', 'positive'));
    },
  );

  it('maps short codes back to labels after stripping the leading space', () => {
    const codes = withOptions({ labelMap: { '1': 'positive', '2': 'negative', nil: 'neutral' } });
    expect(parseJsonLine(line('x\n\n###\n\n', ' 2'), 'openai-completions', codes)).toEqual(ok('x', 'negative'));
    expect(parseJsonLine(line('x\n\n###\n\n', ' nil\n'), 'openai-completions', codes)).toEqual(ok('x', 'neutral'));
  });

  it.each([[''], [' '], [undefined], [null]])('treats the completion %j as unlabeled', (completion) => {
    expect(parseJsonLine(line('x ->', completion), 'openai-completions', options)).toEqual(ok('x', null));
  });

  it('reports missing, wrongly typed and empty prompts', () => {
    expect(parseJsonLine('{"completion":" positive"}', 'openai-completions', options)).toEqual({
      ok: false,
      reason: 'missing_text',
      message: 'missing "prompt"',
    });
    expect(messageOf(parseJsonLine(line(['x']), 'openai-completions', options))).toBe(
      '"prompt" must be a string, got array',
    );
    expect(reasonOf(parseJsonLine(line(' ->'), 'openai-completions', options))).toBe('empty_text');
    expect(messageOf(parseJsonLine(line('x', true), 'openai-completions', options))).toBe(
      '"completion" must be a string, got boolean',
    );
  });
});

describe('parseCsvRecord', () => {
  it('reads the default columns', () => {
    expect(parseCsvRecord({ text: ' hi, there ', label: 'positive', extra: '1' }, options)).toEqual(
      ok('hi, there', 'positive'),
    );
  });

  it('uses configured columns', () => {
    const custom = withOptions({ textColumn: 'review', labelColumn: 'sentiment' });
    expect(
      parseCsvRecord({ review: 'x', sentiment: 'neg' }, withOptions({ ...custom, labelMap: { neg: 'negative' } })),
    ).toEqual(ok('x', 'negative'));
  });

  it('finds a header with a BOM, spaces or other case', () => {
    expect(parseCsvRecord({ '\uFEFFText': 'x', ' Label ': 'neutral' }, options)).toEqual(ok('x', 'neutral'));
  });

  it('leaves every row unlabeled when there is no label column', () => {
    expect(parseCsvRecord({ text: 'x', other: 'positive' }, options)).toEqual(ok('x', null));
    expect(parseCsvRecord({ text: 'x', label: '' }, options)).toEqual(ok('x', null));
  });

  it('names the expected column and the ones present', () => {
    expect(parseCsvRecord({ body: 'x', label: 'positive' }, options)).toEqual({
      ok: false,
      reason: 'missing_column',
      message: 'no column "text"; columns present: "body", "label"',
    });
  });

  it('reports a short row, empty text, long text and unknown labels', () => {
    const short = { label: 'positive', text: undefined } as unknown as Record<string, string>;
    expect(reasonOf(parseCsvRecord(short, options))).toBe('missing_text');
    expect(reasonOf(parseCsvRecord({ text: '  ' }, options))).toBe('empty_text');
    expect(reasonOf(parseCsvRecord({ text: 'y'.repeat(21) }, options))).toBe('text_too_long');
    expect(reasonOf(parseCsvRecord({ text: 'x', label: 'meh' }, options))).toBe('unknown_label');
  });
});
