import type { DatasetRow } from './rows.js';

/**
 * Rows back into the lines of an export file. Every JSON format must read back through
 * parseJsonLine to the same text and label; the tests hold us to that.
 */

export const EXPORT_FORMATS = ['openai-chat', 'openai-completions', 'jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The separator OpenAI's legacy fine-tuning guide recommends; import recognises it by default. */
export const COMPLETION_SUFFIX = '\n\n###\n\n';

const NIL_NAMES = new Set(['nil', 'none', 'other', 'negative']);

/** True when some code is a prefix of another: the model's output could not be decoded without a stop sequence. */
export const hasPrefixClash = (codes: string[]): boolean =>
  codes.some((code, i) => codes.some((other, j) => i !== j && other.startsWith(code)));

/** Same width for every number, so ' 1' is never a prefix of ' 10' once a task has ten labels. */
const padded = (numbers: number[]): string[] => {
  const width = Math.max(...numbers.map((n) => String(n).length));
  return numbers.map((n) => ` ${String(n).padStart(width, '0')}`);
};

function ordinalCodes(labels: { name: string; order: number }[]): string[] | undefined {
  const orders = labels.map((label) => label.order);
  const plain = orders.every((order) => Number.isInteger(order) && order >= 0);
  const codes = plain ? padded(orders) : orders.map((order) => ` ${order}`);
  // Orders such as -1 and -10, or 1 and 1.5, clash; those tasks fall back to numbering by order.
  return new Set(codes).size === codes.length && !hasPrefixClash(codes) ? codes : undefined;
}

function nominalCodes(names: string[]): string[] {
  const nil = names.findIndex((name) => NIL_NAMES.has(name.trim().toLowerCase()));
  const numbered = nil < 0 ? names.length : names.length - 1;
  const numbers = padded(Array.from({ length: numbered }, (_, i) => i + 1));
  let next = 0;
  return names.map((_, i) => (i === nil ? ' nil' : (numbers[next++] ?? '')));
}

/**
 * Short completion codes, each starting with a space because that is how the legacy models
 * tokenise a word after the prompt. Ordinal tasks use their order; others number labels in the
 * given order, with ' nil' for the first "nothing applies" label.
 */
export function labelCodes(labels: { name: string; order?: number }[]): Record<string, string> {
  if (labels.length === 0) return {};
  const ordered = labels.every((label) => label.order !== undefined)
    ? (labels as { name: string; order: number }[])
    : undefined;
  const byOrder = ordered && ordinalCodes(ordered);
  if (ordered && byOrder) return Object.fromEntries(ordered.map((label, i) => [label.name, byOrder[i] ?? '']));
  const names = ordered
    ? [...ordered].sort((a, b) => a.order - b.order).map((label) => label.name)
    : labels.map((label) => label.name);
  const codes = ordered ? padded(names.map((_, i) => i + 1)) : nominalCodes(names);
  return Object.fromEntries(names.map((name, i) => [name, codes[i] ?? '']));
}

/** Inverse of labelCodes for reading a completions file back: code without its space → label. */
export const labelMapFromCodes = (codes: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(codes).map(([label, code]) => [code.trim(), label]));

export const csvHeader = (): string => 'text,label,split';

/**
 * JSON.stringify leaves U+0085, U+2028 and U+2029 raw, and line readers such as Python's
 * splitlines() break lines on them; escaped, the line is the same JSON and cannot be split.
 */
const jsonLine = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[\u0085\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** RFC 4180: quote only when needed, doubling inner quotes. */
const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

function completion(row: DatasetRow, codes: Record<string, string>): string {
  if (row.label === null) return '';
  const code = codes[row.label];
  // A label without a code would export a line that can never be decoded; that is a caller bug.
  if (code === undefined) throw new Error(`no completion code for label ${JSON.stringify(row.label)}`);
  return code;
}

/** One line without its newline. Unlabeled rows still export; fine-tuning callers skip them. */
export function exportLine(
  row: DatasetRow,
  format: ExportFormat,
  context: { instructions: string; codes: Record<string, string>; systemMessage?: boolean },
): string {
  switch (format) {
    case 'openai-chat': {
      const messages = [
        // Without it, a fine-tune learns the task from the examples alone (the "with vs without instructions" comparison).
        ...(context.systemMessage === false ? [] : [{ role: 'system', content: context.instructions }]),
        { role: 'user', content: row.text },
        ...(row.label === null ? [] : [{ role: 'assistant', content: row.label }]),
      ];
      return jsonLine({ messages });
    }
    case 'openai-completions':
      return jsonLine({ prompt: row.text + COMPLETION_SUFFIX, completion: completion(row, context.codes) });
    case 'jsonl':
      return jsonLine({ text: row.text, label: row.label, split: row.split });
    case 'csv':
      return [row.text, row.label ?? '', row.split ?? ''].map(csvField).join(',');
  }
}
