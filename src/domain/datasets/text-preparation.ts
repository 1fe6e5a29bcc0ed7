import { cleanOne, validateClean } from './clean.js';
import { isRecord, OperationError, type OperationOf } from './operations.js';

/**
 * The operations that change an example's text (the others drop, relabel or reorder rows). A
 * model trained on cleaned texts must be asked with inputs cleaned the same way.
 */
export type TextOperation = OperationOf<'clean'>;

/** A dataset version as its lineage shows it: how it was made from its parent. */
export interface VersionStep {
  operation: string;
  params: Record<string, unknown>;
}

const TEXT_OPS: ReadonlySet<string> = new Set(['clean']);
const isTextOperation = (op: unknown): op is TextOperation => isRecord(op) && TEXT_OPS.has(op.op as string);

/**
 * The text operations a version's rows went through, oldest first. `lineage` runs from the
 * version back to its root; the walk stops at the nearest import, whose rows came in as they are.
 */
export function textOperationsOf(lineage: readonly VersionStep[]): TextOperation[] {
  const newestFirst: TextOperation[][] = [];
  for (const step of lineage) {
    if (step.operation === 'import') break;
    const operations = step.params.operations;
    if (step.operation === 'derive' && Array.isArray(operations)) newestFirst.push(operations.filter(isTextOperation));
  }
  return newestFirst.reverse().flat();
}

/** Operations given by hand (a registered model): clean only, each with valid switches. */
export function validateTextOperations(operations: readonly unknown[]): TextOperation[] {
  for (const [index, op] of operations.entries()) {
    if (!isRecord(op)) throw new OperationError(index, '', 'a text operation must be an object');
    if (!isTextOperation(op))
      throw new OperationError(index, 'op', 'must be clean (the only operation that changes text)');
    validateClean(op, index, { labels: [], tokenizerModel: '' });
  }
  return operations as TextOperation[];
}

/**
 * The operations as one function from an input to the text the model is asked with, built once
 * per model version. An input they would empty is sent as it is: training dropped such rows, so
 * the model has no better answer for an empty text than for the original.
 */
export function compileTextPreparation(operations: readonly TextOperation[]): ((text: string) => string) | undefined {
  if (operations.length === 0) return undefined;
  const steps = operations.map(cleanOne);
  return (input) => {
    let text = input;
    for (const step of steps) text = step(text);
    return text.trim() === '' ? input : text;
  };
}
