import { clean, validateClean } from './clean.js';
import { dedupe, validateDedupe } from './dedupe.js';
import { filter, validateFilter } from './filter.js';
import { isRecord, OperationError, type Operation, type OperationContext, type OperationResult } from './operations.js';
import { relabel, validateRelabel } from './relabel.js';
import type { DatasetRow } from './rows.js';
import { sample, validateSample } from './sample.js';
import { split, validateSplit } from './split.js';

export interface OperationReport {
  op: string;
  rows_before: number;
  rows_after: number;
  details: Record<string, number | string>;
}

interface BoundOperation {
  validate(index: number, ctx: OperationContext): void;
  run(rows: DatasetRow[], ctx: OperationContext): OperationResult;
}

// A switch rather than a lookup table: it narrows `op` per case, so each pairing is type-checked.
function bind(op: Operation, index: number): BoundOperation {
  if (!isRecord(op)) throw new OperationError(index, 'op', 'an operation must be an object');
  switch (op.op) {
    case 'dedupe':
      return { validate: (i, ctx) => validateDedupe(op, i, ctx), run: (rows, ctx) => dedupe(rows, op, ctx) };
    case 'clean':
      return { validate: (i, ctx) => validateClean(op, i, ctx), run: (rows, ctx) => clean(rows, op, ctx) };
    case 'filter':
      return { validate: (i, ctx) => validateFilter(op, i, ctx), run: (rows, ctx) => filter(rows, op, ctx) };
    case 'relabel':
      return { validate: (i, ctx) => validateRelabel(op, i, ctx), run: (rows, ctx) => relabel(rows, op, ctx) };
    case 'sample':
      return { validate: (i, ctx) => validateSample(op, i, ctx), run: (rows, ctx) => sample(rows, op, ctx) };
    case 'split':
      return { validate: (i, ctx) => validateSplit(op, i, ctx), run: (rows, ctx) => split(rows, op, ctx) };
    default:
      throw new OperationError(index, 'op', `unknown operation ${JSON.stringify((op as { op: unknown }).op)}`);
  }
}

/**
 * Derives a version's rows from its parent's by running `operations` in order. Every operation is
 * validated before any runs, so a bad parameter in the last step fails fast with its index rather
 * than after minutes of tokenizing. Each step is a linear pass (plus sorting within label groups),
 * fine for 100k rows. Input rows are never mutated; unchanged rows are shared with the output.
 */
export function applyOperations(
  rows: DatasetRow[],
  operations: Operation[],
  ctx: OperationContext,
): { rows: DatasetRow[]; report: OperationReport[] } {
  const bound = operations.map((op, index) => bind(op, index));
  for (const [index, operation] of bound.entries()) operation.validate(index, ctx);
  const report: OperationReport[] = [];
  let current = rows;
  bound.forEach((operation, index) => {
    const result = operation.run(current, ctx);
    report.push({
      op: (operations[index] as Operation).op,
      rows_before: current.length,
      rows_after: result.rows.length,
      details: result.details,
    });
    current = result.rows;
  });
  return { rows: current, report };
}
