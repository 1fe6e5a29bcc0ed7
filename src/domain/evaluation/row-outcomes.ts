/** The error code a prediction row carries when the model answered, but named no label. */
const UNPARSEABLE = 'unparseable';

export interface OutcomeRow {
  trueLabel: string;
  predicted: string | null;
  errorCode: string | null;
}

export interface RowOutcomes {
  /** Per row, in the given order: whether the model answered the true label (a failure is wrong). */
  correct: boolean[];
  /** Calls that errored: no answer came back. */
  failedCalls: number;
  /** Answers that named no label. */
  unparseableAnswers: number;
}

/**
 * What happened to each row of an evaluation. The stored metrics count failed calls and
 * unparseable answers together (`failed_predictions`); reports tell them apart, since "every call
 * failed" and "every answer was gibberish" call for different fixes.
 */
export function rowOutcomes(rows: readonly OutcomeRow[]): RowOutcomes {
  let failedCalls = 0;
  let unparseableAnswers = 0;
  const correct = rows.map((row) => {
    if (row.errorCode === UNPARSEABLE) unparseableAnswers++;
    else if (row.errorCode) failedCalls++;
    return !row.errorCode && row.predicted === row.trueLabel;
  });
  return { correct, failedCalls, unparseableAnswers };
}
