import type { FieldProblem } from '../errors.js';
import { isUuid } from './ids.js';

export interface LabelDefinition {
  name: string;
  description?: string;
  /** Position on an ordinal scale (e.g. star ratings); set on all labels of a task or on none. */
  order?: number;
}

export const MIN_LABELS = 2;
export const MAX_LABELS = 500;

/**
 * Checks what a JSON schema cannot: label names unique (ignoring case, because an LLM's answer is
 * matched case-insensitively), ordinal orders given on all labels or none and all distinct.
 * `path` prefixes each field so errors point into the request body.
 */
export function labelProblems(labels: LabelDefinition[], path = 'body.labels'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  labels.forEach((label, index) => {
    const key = label.name.trim().toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      problems.push({
        field: `${path}[${index}].name`,
        message: `duplicates label ${first} ("${labels[first]?.name}")`,
      });
  });
  const ordered = labels.filter((label) => label.order !== undefined);
  if (ordered.length > 0 && ordered.length < labels.length) {
    labels.forEach((label, index) => {
      if (label.order === undefined) {
        problems.push({ field: `${path}[${index}].order`, message: 'ordinal labels need an order on every label' });
      }
    });
  }
  const orders = new Map<number, number>();
  labels.forEach((label, index) => {
    if (label.order === undefined) return;
    const first = orders.get(label.order);
    if (first === undefined) orders.set(label.order, index);
    else problems.push({ field: `${path}[${index}].order`, message: `same order as label ${first}` });
  });
  return problems;
}

export function slugProblems(slug: string, field = 'body.slug'): FieldProblem[] {
  // Tasks are addressed by slug or id in URLs, so a slug must never be mistaken for an id.
  return isUuid(slug) ? [{ field, message: 'a slug must not be a UUID' }] : [];
}

export const isOrdinal = (labels: LabelDefinition[]): boolean =>
  labels.length > 0 && labels.every((label) => label.order !== undefined);

/**
 * Problems with a good-vs-bad boundary: the lowest label counted as good, on an ordinal task.
 * The lowest-ranked label would make every row good, so it is refused.
 */
export function goodThresholdProblems(labels: LabelDefinition[], threshold: string, field: string): FieldProblem[] {
  if (!isOrdinal(labels)) return [{ field, message: 'only an ordinal task (every label has an order) has one' }];
  const label = labels.find((candidate) => candidate.name === threshold);
  if (!label) return [{ field, message: `"${threshold}" is not one of the task's labels` }];
  const lowest = Math.min(...labels.map((candidate) => candidate.order!));
  if (label.order === lowest)
    return [{ field, message: `"${threshold}" is the lowest-ranked label: every row would be good` }];
  return [];
}

/** The rank from which labels are good, or undefined when the threshold no longer fits the labels. */
export function goodThresholdRank(labels: LabelDefinition[], threshold: string | null): number | undefined {
  if (threshold === null || goodThresholdProblems(labels, threshold, '').length > 0) return undefined;
  return labels.find((label) => label.name === threshold)?.order;
}
