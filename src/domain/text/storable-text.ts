import type { FieldProblem } from '../../errors.js';

/**
 * Postgres refuses U+0000 in `text` and `jsonb`, and a UTF-16 surrogate without its pair has no
 * UTF-8 form (jsonb rejects the escape; a text parameter would silently become U+FFFD). Text like
 * that is refused where it enters, so it never reaches a table or the prediction log.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is matched on purpose, Postgres refuses it
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or undefined when it can. */
export function unstorableReason(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  const char = found[0];
  if (char === '\u0000') return `contains U+0000 (NUL) at position ${found.index}`;
  const code = char.charCodeAt(0).toString(16).toUpperCase();
  return `contains an unpaired UTF-16 surrogate (U+${code}) at position ${found.index}`;
}

const MAX_PROBLEMS = 20;

/** Every string (and object key) in a parsed JSON value, query or params that cannot be stored, by field. */
export function findUnstorableText(value: unknown, root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const visit = (node: unknown, field: string): void => {
    if (problems.length >= MAX_PROBLEMS) return;
    if (typeof node === 'string') {
      const reason = unstorableReason(node);
      if (reason) problems.push({ field, message: reason });
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${field}[${index}]`);
    } else if (isParsedObject(node)) {
      for (const [key, item] of Object.entries(node)) {
        const keyReason = unstorableReason(key);
        // The key itself cannot name the field it spoils, so the problem sits on the object.
        if (keyReason) problems.push({ field, message: `a key ${keyReason}` });
        else visit(item, `${field}.${key}`);
        if (problems.length >= MAX_PROBLEMS) return;
      }
    }
  };
  visit(value, root);
  return problems;
}

// Streams and buffers (raw uploads) are not parsed text; only what JSON or a query string produced
// (query and params objects have a prototype without Object's, so any other object counts).
function isParsedObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  return typeof (value as { pipe?: unknown }).pipe !== 'function';
}
