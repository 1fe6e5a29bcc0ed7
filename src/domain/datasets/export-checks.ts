import { hasPrefixClash, type ExportFormat } from './export-formats.js';
import { SPLITS, type Split } from './rows.js';

/**
 * The checks a careful person runs before paying for a fine-tuning job. They warn rather than
 * refuse: a small or skewed export can still be what the user wants.
 */

export interface ExportWarning {
  code:
    | 'too_few_examples'
    | 'over_token_limit'
    | 'label_missing_from_split'
    | 'class_imbalance'
    | 'unlabeled_rows'
    | 'inconsistent_format';
  message: string;
  details?: Record<string, unknown>;
}

export interface ExportCheckInput {
  split: Split | 'all';
  format: ExportFormat;
  labels: string[];
  rowsInSplit: number;
  /** Labeled rows in the exported split, by label. */
  labelCounts: Record<string, number>;
  unlabeled: number;
  labelCountsBySplit: Record<Split, Record<string, number>>;
  /** Rows whose token count exceeds tokenLimit. */
  overTokenLimit: number;
  tokenLimit: number;
  /** Completion codes; checked only for openai-completions. */
  codes: Record<string, string>;
}

/** OpenAI rejects fine-tuning files with fewer examples than this. */
export const MIN_FINE_TUNING_EXAMPLES = 10;
/** Beyond this ratio between the largest and smallest class, models tend to ignore the small one. */
const IMBALANCE_RATIO = 10;
const FINE_TUNING_FORMATS: ReadonlySet<ExportFormat> = new Set(['openai-chat', 'openai-completions']);
const LISTED = 10;

const count = (counts: Record<string, number>, label: string): number =>
  Object.hasOwn(counts, label) ? (counts[label] ?? 0) : 0;
const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((total, n) => total + n, 0);
const where = (split: Split | 'all'): string => (split === 'all' ? 'the export' : `the ${split} split`);
const list = (names: string[]): string =>
  names
    .slice(0, LISTED)
    .map((name) => JSON.stringify(name))
    .join(', ') + (names.length > LISTED ? `, … (${names.length - LISTED} more)` : '');

function tooFew(input: ExportCheckInput, labeled: number): ExportWarning[] {
  if (labeled >= MIN_FINE_TUNING_EXAMPLES) return [];
  return [
    {
      code: 'too_few_examples',
      message: `${where(input.split)} has ${labeled} labeled examples; OpenAI fine-tuning needs at least ${MIN_FINE_TUNING_EXAMPLES}`,
      details: { labeled, minimum: MIN_FINE_TUNING_EXAMPLES },
    },
  ];
}

function overLimit(input: ExportCheckInput): ExportWarning[] {
  if (input.overTokenLimit <= 0) return [];
  return [
    {
      code: 'over_token_limit',
      message: `${input.overTokenLimit} rows exceed the model's limit of ${input.tokenLimit} tokens; fine-tuning will truncate or reject them`,
      details: { rows: input.overTokenLimit, tokenLimit: input.tokenLimit },
    },
  ];
}

function missingFromSplits(input: ExportCheckInput): ExportWarning[] {
  const populated = SPLITS.filter((split) => sum(input.labelCountsBySplit[split]) > 0);
  const missing = input.labels.flatMap((label) => {
    const present = populated.filter((split) => count(input.labelCountsBySplit[split], label) > 0);
    const absent = populated.filter((split) => !present.includes(split));
    return present.length > 0 && absent.length > 0 ? [{ label, missingFrom: absent }] : [];
  });
  if (missing.length === 0) return [];
  const shown = missing
    .slice(0, LISTED)
    .map(({ label, missingFrom }) => `${JSON.stringify(label)} (not in ${missingFrom.join(', ')})`);
  const more = missing.length > LISTED ? `, … (${missing.length - LISTED} more)` : '';
  return [
    {
      code: 'label_missing_from_split',
      message: `some labels are missing from a split, so it cannot measure them: ${shown.join(', ')}${more}`,
      details: { labels: missing },
    },
  ];
}

function imbalance(input: ExportCheckInput, labeled: number): ExportWarning[] {
  // With nothing labeled every class is "missing"; too_few_examples already says what matters.
  if (labeled === 0 || input.labels.length === 0) return [];
  const counts = input.labels.map((label) => ({ label, count: count(input.labelCounts, label) }));
  const empty = counts.filter((c) => c.count === 0).map((c) => c.label);
  const present = counts.filter((c) => c.count > 0).sort((a, b) => b.count - a.count);
  const largest = present[0];
  const smallest = present[present.length - 1];
  if (largest === undefined || smallest === undefined) return [];
  const ratio = largest.count / smallest.count;
  if (empty.length === 0 && ratio <= IMBALANCE_RATIO) return [];
  const parts = [
    ...(ratio > IMBALANCE_RATIO
      ? [
          `${JSON.stringify(largest.label)} has ${largest.count} examples but ${JSON.stringify(smallest.label)} only ${smallest.count}`,
        ]
      : []),
    ...(empty.length > 0 ? [`no examples of ${list(empty)}`] : []),
  ];
  return [
    {
      code: 'class_imbalance',
      message: `${where(input.split)} is imbalanced: ${parts.join('; ')}; the model may learn to ignore rare labels`,
      details: { largest, smallest, ratio: Math.round(ratio * 10) / 10, empty },
    },
  ];
}

function unlabeledRows(input: ExportCheckInput): ExportWarning[] {
  if (input.unlabeled <= 0 || !FINE_TUNING_FORMATS.has(input.format)) return [];
  return [
    {
      code: 'unlabeled_rows',
      message: `${input.unlabeled} of ${input.rowsInSplit} rows in ${where(input.split)} are unlabeled and will be skipped in this fine-tuning export`,
      details: { unlabeled: input.unlabeled, rows: input.rowsInSplit },
    },
  ];
}

function codeProblems(labels: string[], codes: Record<string, string>): string[] {
  const problems: string[] = [];
  const uncoded = labels.filter((label) => !Object.hasOwn(codes, label));
  if (uncoded.length > 0) problems.push(`no code for ${list(uncoded)}`);
  const entries = Object.entries(codes);
  const unspaced = entries.filter(([, code]) => !code.startsWith(' ') || code.trim() === '').map(([label]) => label);
  if (unspaced.length > 0) problems.push(`codes must be a space then text, not so for ${list(unspaced)}`);
  const values = entries.map(([, code]) => code);
  if (new Set(values).size < values.length) problems.push('two labels share a code');
  else if (hasPrefixClash(values)) problems.push('a code is the beginning of another, so answers are ambiguous');
  return problems;
}

function inconsistentFormat(input: ExportCheckInput): ExportWarning[] {
  if (input.format !== 'openai-completions') return [];
  const problems = codeProblems(input.labels, input.codes);
  if (problems.length === 0) return [];
  return [
    {
      code: 'inconsistent_format',
      message: `completion codes are inconsistent: ${problems.join('; ')}`,
      details: { problems, codes: input.codes },
    },
  ];
}

export function exportWarnings(input: ExportCheckInput): ExportWarning[] {
  const labeled = sum(input.labelCounts);
  return [
    ...tooFew(input, labeled),
    ...overLimit(input),
    ...missingFromSplits(input),
    ...imbalance(input, labeled),
    ...unlabeledRows(input),
    ...inconsistentFormat(input),
  ];
}
