import type { AverageScores, ClassificationReport } from './classification-report.js';
import type { EvaluationMetrics } from './evaluate.js';
import { alignRight, formatFixed } from './python-format.js';

const HEADERS = ['precision', 'recall', 'f1-score', 'support'] as const;
const LONGEST_AVERAGE_HEADING = 'weighted avg';

/**
 * The text `print(classification_report(y_true, y_pred, labels=labels, digits=digits))` shows:
 * a header, a blank line, one row per label, a blank line, then accuracy (or micro avg), macro avg
 * and weighted avg.
 * Widths and number formatting reproduce scikit-learn's format strings exactly:
 *   header `'{:>{width}s} ' + ' {:>9}' * 4`, rows `'{:>{width}s} ' + ' {:>9.{digits}f}' * 3 + ' {:>9}'`,
 *   width = max(longest label, len('weighted avg'), digits).
 *
 * Like scikit-learn, it prints `micro avg` (micro P/R/F1 over the given labels, row format) instead
 * of `accuracy` when y_true ∪ y_pred holds a value outside the labels: a prediction of an unknown
 * label, or a failure (null, which scikit-learn would see as an extra label such as '__failed__').
 * A label that never occurs does not count: the labels may be a superset of those present.
 * A null accuracy (no rows) prints as `nan`, as Python formats a NaN.
 */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const width = Math.max(...report.labels.map((row) => [...row.label].length), LONGEST_AVERAGE_HEADING.length, digits);
  const cell = (value: number): string => ` ${alignRight(formatFixed(value, digits), 9)}`;
  const name = (text: string): string => `${alignRight(text, width)} `;
  const row = (heading: string, scores: AverageScores): string =>
    `${name(heading)}${cell(scores.precision)}${cell(scores.recall)}${cell(scores.f1)} ${alignRight(String(scores.support), 9)}\n`;

  let text = `${name('')}${HEADERS.map((header) => ` ${alignRight(header, 9)}`).join('')}\n\n`;
  for (const scores of report.labels) text += row(scores.label, scores);
  text += '\n';
  if (report.microIsAccuracy) {
    // The accuracy row's precision and recall are `'{:>9.{digits}}'.format('')`: blank cells.
    const accuracy = report.accuracy ?? Number.NaN;
    text += `${name('accuracy')} ${' '.repeat(9)} ${' '.repeat(9)}${cell(accuracy)} ${alignRight(String(report.macro.support), 9)}\n`;
  } else text += row('micro avg', report.micro);
  text += row('macro avg', report.macro);
  text += row('weighted avg', report.weighted);
  return text;
}

/**
 * A plain-text confusion matrix: a header of predicted labels, then one row per true label, every
 * column right-aligned to its widest entry. Failed or unknown predictions are in no column (see
 * confusionMatrix), so a row may sum to less than the label's support.
 */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], labels: readonly string[]): string {
  if (matrix.length !== labels.length || matrix.some((cells) => cells.length !== labels.length)) {
    throw new RangeError(`formatConfusionMatrix: expected a ${labels.length}×${labels.length} matrix`);
  }
  const corner = 'true \\ predicted';
  const firstWidth = Math.max(corner.length, ...labels.map((label) => [...label].length));
  const widths = labels.map((label, j) =>
    Math.max([...label].length, ...matrix.map((cells) => String(cells[j]).length)),
  );
  const line = (first: string, cells: readonly string[]): string =>
    `${[alignRight(first, firstWidth), ...cells.map((text, j) => alignRight(text, widths[j]!))].join('  ')}\n`;
  return line(corner, labels) + matrix.map((cells, i) => line(labels[i]!, cells.map(String))).join('');
}

/**
 * One line under the report saying how many rows got no usable answer, and why: a macro F1 of
 * 0.00 reads very differently when every call failed or every answer was unparseable.
 */
export function formatFailureCounts(counts: {
  rows: number;
  failedCalls: number;
  unparseableAnswers: number;
  unknownLabels: number;
}): string {
  const failures = counts.failedCalls + counts.unparseableAnswers + counts.unknownLabels;
  const share = counts.rows > 0 ? `${((failures / counts.rows) * 100).toFixed(1)} %` : 'nan';
  return `no usable answer: ${failures} of ${counts.rows} (${share}); failed calls ${counts.failedCalls}, unparseable answers ${counts.unparseableAnswers}, unknown labels ${counts.unknownLabels}\n`;
}

/** Shares and costs to four places, latencies to a tenth of a millisecond: enough to compare models. */
const share = (value: number | null): string => (value === null ? 'nan' : value.toFixed(4));

/**
 * The figures a person compares models on besides the report: one-off and good-vs-bad accuracy
 * (ordinal tasks), cost per 1,000 classifications and latency, one line each.
 */
export function formatMetricsSummary(metrics: Pick<EvaluationMetrics, 'ordinal' | 'usage' | 'latency_ms'>): string {
  let text = '';
  const { ordinal, usage, latency_ms: latency } = metrics;
  if (ordinal) {
    text += `one-off accuracy: ${share(ordinal.one_off_accuracy)}\n`;
    text +=
      ordinal.good_threshold === null
        ? 'good-vs-bad accuracy: no good_threshold set (on the task or the evaluation)\n'
        : `good-vs-bad accuracy (good: ${JSON.stringify(ordinal.good_threshold_label ?? String(ordinal.good_threshold))} and above): ${share(ordinal.good_vs_bad_accuracy)}\n`;
  }
  text +=
    usage.cost_per_1000 === null
      ? `cost per 1,000 classifications: unknown (${usage.unpriced_calls} of ${usage.calls} calls unpriced)\n`
      : `cost per 1,000 classifications: $${usage.cost_per_1000.toFixed(4)}\n`;
  const ms = (value: number) => value.toFixed(1);
  text +=
    latency === null
      ? 'latency ms: none recorded\n'
      : `latency ms: p50 ${ms(latency.p50)}, p95 ${ms(latency.p95)}, p99 ${ms(latency.p99)}, mean ${ms(latency.mean)}, max ${ms(latency.max)} (${latency.rows} rows)\n`;
  return text;
}
