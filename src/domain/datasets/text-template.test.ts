import { describe, expect, it } from 'vitest';
import { parseTextTemplate, renderTextTemplate } from './text-template.js';

const render = (source: string, values: Record<string, string>) => {
  const parsed = parseTextTemplate(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return renderTextTemplate(parsed.template, (field) => values[field] ?? '?');
};

describe('text templates', () => {
  it('reads \\n, \\t and \\\\ as escapes, keeps other backslashes and real newlines, and {{ }} as braces', () => {
    expect(render('{a}\\n\\n{b}', { a: 'x', b: 'y' })).toBe('x\n\ny');
    expect(render('{a}\n\t{b}\\t', { a: 'x', b: 'y' })).toBe('x\n\ty\t');
    expect(render('C:\\path {a} \\\\n', { a: 'x' })).toBe('C:\\path x \\n');
    expect(render('{{{a}}}', { a: 'x' })).toBe('{x}');
  });

  it('lists each field once, in order of first use', () => {
    const parsed = parseTextTemplate('{b} {a} {b}');
    expect(parsed.ok && parsed.template.fields).toEqual(['b', 'a']);
  });

  it.each([
    ['', 'must not be empty'],
    ['{a', 'unclosed "{" at position 0'],
    ['{a {b}', 'unclosed "{" at position 0'],
    ['a}', 'unmatched "}" at position 1; write "}}" for a literal brace'],
    ['x { } y', 'empty placeholder "{}" at position 2'],
    ['{{a}}', 'names no field; use placeholders such as {review_title}'],
  ])('refuses %j', (source, message) => {
    expect(parseTextTemplate(source)).toEqual({ ok: false, message });
  });
});
