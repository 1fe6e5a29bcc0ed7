import type { DatasetRow } from './rows.js';

/**
 * The steps that derive a dataset version from its parent's rows. Keys are snake_case because
 * these objects arrive verbatim from the HTTP API's JSON body.
 */
export type Operation =
  | { op: 'dedupe'; mode?: 'exact' | 'normalized' }
  | {
      op: 'clean';
      urls?: boolean;
      mentions?: boolean;
      code_blocks?: boolean;
      emails?: boolean;
      collapse_whitespace?: boolean;
      collapse_paragraphs?: boolean;
    }
  | {
      op: 'filter';
      max_tokens?: number;
      model?: string;
      min_chars?: number;
      include_labels?: string[];
      exclude_labels?: string[];
      drop_unlabeled?: boolean;
    }
  | {
      op: 'relabel';
      map?: Record<string, string>;
      overrides?: { example_id: string; label: string; reviewer?: Reviewer }[];
    }
  | {
      op: 'sample';
      max_per_label?: number;
      balance?: 'undersample' | 'oversample';
      fraction?: number;
      within_splits?: boolean;
      keep_splits?: ('train' | 'validation' | 'test')[];
      seed?: number;
    }
  | {
      op: 'split';
      train: number;
      validation: number;
      test: number;
      seed?: number;
      stratify?: boolean;
      min_test_rows?: number;
    };

/**
 * Who decided an override: a person (`human`, the default), or an LLM whose suggestion was
 * applied without a person deciding (`llm`). The row's label source says so, which keeps
 * agreement figures from counting an LLM agreeing with itself.
 */
export const REVIEWERS = ['human', 'llm'] as const;
export type Reviewer = (typeof REVIEWERS)[number];

export type OperationName = Operation['op'];
export type OperationOf<K extends OperationName> = Extract<Operation, { op: K }>;

export interface OperationContext {
  /** The task's label names; every label an operation writes must be one of them. */
  labels: string[];
  /** Model whose tokenizer counts tokens when an operation does not name one. */
  tokenizerModel: string;
}

export interface OperationResult {
  rows: DatasetRow[];
  /** Counts a person reviewing the derivation wants to see, e.g. `{ removed: 12 }`. */
  details: Record<string, number | string>;
}

/**
 * An invalid operation parameter. `index` is the operation's position in the submitted list and
 * `field` the parameter inside it (`map.pos`, `overrides[3].label`), so the API can point at it.
 */
export class OperationError extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

export const DEFAULT_SEED = 42;

// Parameter checks. Operations come from JSON, so types are re-checked at runtime too.

export function checkBoolean(value: unknown, index: number, field: string): void {
  if (value !== undefined && typeof value !== 'boolean')
    throw new OperationError(index, field, `${field} must be a boolean`);
}

export function checkInteger(
  value: unknown,
  index: number,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new OperationError(index, field, `${field} must be an integer from ${min} to ${max}`);
  }
}

/** The generator keeps 32 bits of a seed; larger seeds would silently collide with small ones. */
export const checkSeed = (value: unknown, index: number): void => checkInteger(value, index, 'seed', 0, 0xffff_ffff);

export function checkOneOf(value: unknown, allowed: readonly string[], index: number, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    throw new OperationError(index, field, `${field} must be one of ${allowed.join(', ')}`);
  }
}

export function checkLabel(value: unknown, labels: ReadonlySet<string>, index: number, field: string): void {
  if (typeof value !== 'string' || !labels.has(value)) {
    throw new OperationError(index, field, `${field} must be one of the task's labels`);
  }
}

export function checkLabelList(value: unknown, labels: ReadonlySet<string>, index: number, field: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new OperationError(index, field, `${field} must be an array of labels`);
  for (const [i, label] of value.entries()) checkLabel(label, labels, index, `${field}[${i}]`);
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Shared by sample and split.

/** Label (null for unlabeled) → indices of its rows, in input order. */
export function indicesByLabel(rows: readonly DatasetRow[]): Map<string | null, number[]> {
  const groups = new Map<string | null, number[]>();
  rows.forEach((row, i) => {
    const group = groups.get(row.label);
    if (group) group.push(i);
    else groups.set(row.label, [i]);
  });
  return groups;
}

/**
 * Group keys in a fixed order (labels by code unit, unlabeled last). A shared generator is drawn
 * from group by group, so this order, not first appearance, decides which draws a group gets.
 */
export function sortedGroupKeys(groups: Map<string | null, unknown>): (string | null)[] {
  const labels = [...groups.keys()].filter((key): key is string => key !== null).sort();
  return groups.has(null) ? [...labels, null] : labels;
}
