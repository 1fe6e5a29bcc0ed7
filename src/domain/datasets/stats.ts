import { createHash } from 'node:crypto';
import { SPLITS, type DatasetRow } from './rows.js';
import { tokenStats, type TokenStats } from './tokens.js';

/** The splits, and `unassigned` for rows in none: how statistics and example listings name them. */
export const SPLIT_KEYS = [...SPLITS, 'unassigned'] as const;
export type SplitKey = (typeof SPLIT_KEYS)[number];

export interface VersionStats {
  row_count: number;
  labeled: number;
  unlabeled: number;
  /** Rows whose exampleId already appeared earlier in the version. */
  duplicate_count: number;
  label_distribution: Record<string, number>;
  label_sources: Record<string, number>;
  splits: Record<SplitKey, { rows: number; label_distribution: Record<string, number> }>;
  tokens: TokenStats | null;
}

/** A version's statistics as stored (dataset_versions.stats) and served: also whose tokenizer counted `tokens`. */
export type StoredVersionStats = VersionStats & { tokenizer_model: string };

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/**
 * Keys in code-unit order so the JSON is stable. (JavaScript still lists integer-like keys such
 * as "2" before others, in numeric order; no plain object can avoid that.)
 */
function sortedRecord(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Summary of a version; `tokenCounts[i]` is the token count of `rows[i]`. */
export function versionStats(rows: readonly DatasetRow[], tokenCounts: readonly number[]): VersionStats {
  if (tokenCounts.length !== rows.length) {
    throw new Error(`versionStats needs one token count per row (${rows.length} rows, ${tokenCounts.length} counts)`);
  }
  const seen = new Set<string>();
  let duplicates = 0;
  let labeled = 0;
  const labels = new Map<string, number>();
  const sources = new Map<string, number>();
  const splits = new Map<SplitKey, { rows: number; labels: Map<string, number> }>(
    SPLIT_KEYS.map((key) => [key, { rows: 0, labels: new Map() }]),
  );
  for (const row of rows) {
    if (seen.has(row.exampleId)) duplicates++;
    else seen.add(row.exampleId);
    const bucket = splits.get(row.split ?? 'unassigned');
    if (bucket) bucket.rows++;
    if (row.label === null) continue;
    labeled++;
    increment(labels, row.label);
    if (row.labelSource !== null) increment(sources, row.labelSource);
    if (bucket) increment(bucket.labels, row.label);
  }
  const splitStats = (key: SplitKey) => {
    const bucket = splits.get(key) ?? { rows: 0, labels: new Map<string, number>() };
    return { rows: bucket.rows, label_distribution: sortedRecord(bucket.labels) };
  };
  return {
    row_count: rows.length,
    labeled,
    unlabeled: rows.length - labeled,
    duplicate_count: duplicates,
    label_distribution: sortedRecord(labels),
    label_sources: sortedRecord(sources),
    splits: {
      train: splitStats('train'),
      validation: splitStats('validation'),
      test: splitStats('test'),
      unassigned: splitStats('unassigned'),
    },
    tokens: tokenStats(tokenCounts),
  };
}

/**
 * SHA-256 (hex) of what a model is trained and evaluated on: for each row in order, the UTF-8 of
 * `JSON.stringify([exampleId, label, split])` followed by "\n" (JSON never contains a raw
 * newline, so the encoding is unambiguous). labelSource and confidence are deliberately left out:
 * they are provenance, and a person confirming an LLM's label changes who vouches for the data,
 * not the data, so it must not look like new training content. The text is covered by exampleId.
 */
export function contentHash(rows: readonly DatasetRow[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${JSON.stringify([row.exampleId, row.label, row.split])}\n`, 'utf8');
  return hash.digest('hex');
}
