import { createHash } from 'node:crypto';

/** Where an example's current label came from. */
export const LABEL_SOURCES = ['import', 'human', 'llm', 'feedback'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/**
 * One row of a dataset version, as the pure data-preparation code sees it. Versions are ordered
 * lists of rows; the same text may appear more than once (a duplicate) until `dedupe` removes it.
 */
export interface DatasetRow {
  /** Content address of `text` (see exampleIdOf); changes when cleaning changes the text. */
  exampleId: string;
  text: string;
  label: string | null;
  /** null exactly when label is null. */
  labelSource: LabelSource | null;
  /** Labeler's confidence in [0, 1] when known (LLM labels); null otherwise. */
  confidence: number | null;
  split: Split | null;
}

/** A row as a version stores it: where it sits in the version and what its text costs in tokens. */
export interface StoredRow extends DatasetRow {
  position: number;
  tokens: number;
}

/** Examples are stored once, addressed by the SHA-256 of their text (hex). */
export const exampleIdOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function newRow(
  text: string,
  label: string | null,
  labelSource: LabelSource | null = label === null ? null : 'import',
): DatasetRow {
  return {
    exampleId: exampleIdOf(text),
    text,
    label,
    labelSource: label === null ? null : labelSource,
    confidence: null,
    split: null,
  };
}
