import { assertSameLength, labelIndex } from './inputs.js';

/**
 * scikit-learn's `confusion_matrix(y_true, y_pred, labels=labels)`: `matrix[i][j]` counts rows whose
 * true label is `labels[i]` and whose prediction is `labels[j]`, in the order given.
 *
 * A prediction that is null (the call failed or its answer named no label) or not in `labels` is
 * wrong but belongs to no column, so a row can sum to less than that label's support; the gap is
 * the number of such predictions. scikit-learn drops these pairs the same way (it would need the
 * failure encoded as some extra label, which `labels=` then excludes). A true label outside
 * `labels` is dropped from the matrix too, as scikit-learn does.
 */
export function confusionMatrix(
  yTrue: readonly string[],
  yPred: readonly (string | null)[],
  labels: readonly string[],
): number[][] {
  assertSameLength('confusionMatrix', yTrue, yPred);
  const index = labelIndex('confusionMatrix', labels);
  const matrix = labels.map(() => labels.map(() => 0));
  yTrue.forEach((truth, i) => {
    const row = index.get(truth);
    const predicted = yPred[i];
    const column = predicted === null || predicted === undefined ? undefined : index.get(predicted);
    if (row === undefined || column === undefined) return;
    const cells = matrix[row]!;
    cells[column] = cells[column]! + 1;
  });
  return matrix;
}
