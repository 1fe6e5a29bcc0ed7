import { describe, expect, it } from 'vitest';
import { clean } from './clean.js';
import { exampleIdOf, newRow, type DatasetRow } from './rows.js';

const ctx = { labels: ['a', 'b'], tokenizerModel: 'gpt-4o-mini' };
const cleanAll = (texts: string[]) =>
  clean(
    texts.map((t) => newRow(t, 'a')),
    { op: 'clean' },
    ctx,
  );
const cleaned = (text: string, op: Parameters<typeof clean>[1] = { op: 'clean' }) =>
  clean([newRow(text, 'a')], op, ctx).rows[0]?.text;

describe('clean', () => {
  it('removes mentions, URLs and e-mails, keeping the sentence around them', () => {
    expect(
      cleaned(
        '\uFEFFHello <@U123ABC> and @jane_doe, see https://example.com/a?b=c. Mail bob.smith+x@mail.example.co.uk!',
      ),
    ).toBe('Hello and , see . Mail !');
    expect(cleaned('Email ME@EXAMPLE.COM (or www.example.org/path), thanks @bob.')).toBe('Email (or ), thanks .');
    expect(cleaned('ping <@U024BE7LH|bob> and <@!80351110224678912>')).toBe('ping and');
  });

  it('removes fenced and inline code, across CRLF line endings', () => {
    expect(cleaned('Run `npm i` then\r\n```js\r\nconst x = 1;\r\n```\r\ndone')).toBe('Run then done');
  });

  it('leaves an unclosed fence as text', () => {
    expect(cleaned('before ``` after')).toBe('before ``` after');
  });

  it('does not take the domain of an address for a handle when e-mails are kept', () => {
    expect(cleaned('write to bob@example.com or @alice', { op: 'clean', emails: false })).toBe(
      'write to bob@example.com or',
    );
  });

  it('collapses CRLF, tabs, NBSP and ideographic spaces, keeping a blank line as one paragraph break', () => {
    expect(cleaned('  x\r\n\r\ny\t\tz\u00a0\u00a0w\u3000v  ')).toBe('x\n\ny z w v');
  });

  it('keeps the \\n\\n message separator: runs of blank lines become exactly \\n\\n, a single line break a space', () => {
    expect(cleaned('first message\n\nsecond  message\nwraps\n\n\n\nthird')).toBe(
      'first message\n\nsecond message wraps\n\nthird',
    );
    expect(cleaned('a \t\n  \n\u00a0 b\r\rc\n')).toBe('a\n\nb\n\nc');
  });

  it('merges paragraphs too with collapse_paragraphs', () => {
    expect(cleaned('a\n\nb\n c', { op: 'clean', collapse_paragraphs: true })).toBe('a b c');
  });

  it('does not make a paragraph break of a line that held only removed text', () => {
    expect(cleaned('see\nhttps://x.io\nthen\n\nnext')).toBe('see then\n\nnext');
  });

  it('keeps emoji, ZWJ sequences and accents intact', () => {
    const text = cleaned('emoji 👨‍👩‍👧 and 👍🏽 near https://x.io/😀 café naïve 日本語 @😀');
    expect(text).toBe('emoji 👨‍👩‍👧 and 👍🏽 near café naïve 日本語 @😀');
    expect(/\p{Cs}/u.test(text ?? '')).toBe(false);
  });

  it('replaces an unpaired surrogate so the text matches what its id hashes', () => {
    const result = cleanAll(['lone \uD83D surrogate']);
    expect(result.rows[0]?.text).toBe('lone \uFFFD surrogate');
  });

  it('strips a leading BOM even when nothing else is cleaned', () => {
    const op = {
      op: 'clean',
      urls: false,
      mentions: false,
      code_blocks: false,
      emails: false,
      collapse_whitespace: false,
    } as const;
    expect(cleaned('\uFEFFkeep  https://x.io\r\n', op)).toBe('keep  https://x.io\r\n');
  });

  it('gives changed rows a new exampleId and leaves unchanged rows as they were', () => {
    const untouched = newRow('already clean', 'b', 'llm');
    const dirty: DatasetRow = { ...newRow('see https://x.io', 'a', 'human'), split: 'train' };
    const result = clean([untouched, dirty], { op: 'clean' }, ctx);
    expect(result.rows[0]).toBe(untouched);
    expect(result.rows[1]).toEqual({ ...dirty, text: 'see', exampleId: exampleIdOf('see') });
    expect(result.details).toEqual({ changed: 1, emptied: 0, urls: 1, mentions: 0, code_blocks: 0, emails: 0 });
  });

  it('drops rows left empty and counts them', () => {
    const result = cleanAll(['https://only.a.link', '@someone', '```\ncode\n```', 'kept']);
    expect(result.rows.map((r) => r.text)).toEqual(['kept']);
    expect(result.details).toMatchObject({ emptied: 3, changed: 0 });
  });

  it('honours switched-off rules', () => {
    expect(cleaned('a https://x.io b', { op: 'clean', urls: false })).toBe('a https://x.io b');
    expect(cleaned('a `x` b', { op: 'clean', code_blocks: false })).toBe('a `x` b');
    expect(cleaned('a @x b', { op: 'clean', mentions: false })).toBe('a @x b');
    expect(cleaned('a\r\n\r\nb', { op: 'clean', collapse_whitespace: false })).toBe('a\r\n\r\nb');
  });

  it('stays linear on 200 KB lines built to make backtracking regexes explode', () => {
    const size = 200_000;
    const lines = [
      'a'.repeat(size), // e-mail local part with no @
      `x@${'b'.repeat(size)}`, // e-mail domain with no dot
      `<@${'a'.repeat(size)}`, // user reference never closed
      '`a'.repeat(size / 2),
      `\`\`\`${'x'.repeat(size)}`,
      `@${'a-'.repeat(size / 2)}`,
      ' \t\r\n\u00a0'.repeat(size / 5),
      `${'😀 word https://x.io/p?q=1 me@x.io @bob `c` '.repeat(size / 40)}`,
    ];
    const result = cleanAll(lines);
    expect(result.details.emptied).toBe(1); // the whitespace-only line
    expect(result.rows[0]?.text).toHaveLength(size);
    const mixed = result.rows.at(-1)?.text ?? '';
    const expected = Array.from({ length: size / 40 }, () => '😀 word').join(' ');
    // Compared as a boolean: a failing diff of two 35 KB strings would bury the report.
    expect(mixed.length).toBe(expected.length);
    expect(mixed === expected).toBe(true);
  });
});
