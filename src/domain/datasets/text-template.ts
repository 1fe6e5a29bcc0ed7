/**
 * A text template joins several fields of an imported record into one text, e.g.
 * `{review_title}\n\n{review_body}`. Placeholders name fields (CSV columns, JSONL keys); `{{` and
 * `}}` are literal braces, as in Python's str.format. The escapes `\n`, `\t` and `\\` are read as
 * a newline, a tab and a backslash, because a query parameter typed in a shell or copied from a
 * notebook carries them as two characters; a real newline (URL-encoded) works as it is, and any
 * other backslash is kept literally.
 */

export type TemplatePart = { literal: string } | { field: string };

export interface TextTemplate {
  /** As the client sent it, recorded in the version's params. */
  source: string;
  parts: TemplatePart[];
  /** Distinct field names, in order of first use. */
  fields: string[];
}

export type TemplateParse = { ok: true; template: TextTemplate } | { ok: false; message: string };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\' };

export function parseTextTemplate(source: string): TemplateParse {
  if (source === '') return { ok: false, message: 'must not be empty' };
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i] as string;
    const next = source[i + 1];
    if (char === '\\' && next !== undefined && Object.hasOwn(ESCAPES, next)) {
      literal += ESCAPES[next];
      i += 2;
    } else if ((char === '{' || char === '}') && next === char) {
      literal += char;
      i += 2;
    } else if (char === '}') {
      return { ok: false, message: `unmatched "}" at position ${i}; write "}}" for a literal brace` };
    } else if (char === '{') {
      const close = source.indexOf('}', i + 1);
      const open = source.indexOf('{', i + 1);
      if (close === -1 || (open !== -1 && open < close)) return { ok: false, message: `unclosed "{" at position ${i}` };
      const field = source.slice(i + 1, close);
      if (field.trim() === '') return { ok: false, message: `empty placeholder "{}" at position ${i}` };
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ field });
      i = close + 1;
    } else {
      literal += char;
      i += 1;
    }
  }
  if (literal !== '') parts.push({ literal });
  const fields = [...new Set(parts.flatMap((part) => ('field' in part ? [part.field] : [])))];
  if (fields.length === 0) return { ok: false, message: 'names no field; use placeholders such as {review_title}' };
  return { ok: true, template: { source, parts, fields } };
}

/** The template filled in by `fieldValue`, which must answer every field of the template. */
export function renderTextTemplate(template: TextTemplate, fieldValue: (field: string) => string): string {
  return template.parts.map((part) => ('field' in part ? fieldValue(part.field) : part.literal)).join('');
}
