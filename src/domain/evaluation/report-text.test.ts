import { describe, expect, it } from 'vitest';
import { classificationReport } from './classification-report.js';
import {
  formatClassificationReport,
  formatConfusionMatrix,
  formatFailureCounts,
  formatMetricsSummary,
} from './report-text.js';

const repeat = (count: number, truth: string, predicted: string) =>
  Array.from({ length: count }, () => [truth, predicted] as const);

function reportFor(pairs: (readonly [string, string])[], labels: string[]) {
  return classificationReport(
    pairs.map(([t]) => t),
    pairs.map(([, p]) => p),
    labels,
  );
}

describe('formatClassificationReport', () => {
  it('prints exactly what scikit-learn prints for its docstring example', () => {
    const labels = ['class 0', 'class 1', 'class 2'];
    const report = classificationReport(
      [0, 1, 2, 2, 2].map((i) => labels[i]!),
      [0, 0, 2, 2, 1].map((i) => labels[i]!),
      labels,
    );
    expect(formatClassificationReport(report)).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.50      1.00      0.67         1',
        '     class 1       0.00      0.00      0.00         1',
        '     class 2       1.00      0.67      0.80         3',
        '',
        '    accuracy                           0.60         5',
        '   macro avg       0.50      0.56      0.49         5',
        'weighted avg       0.70      0.60      0.61         5',
        '',
      ].join('\n'),
    );
  });

  it('prints four digits like classification_report(digits=4)', () => {
    const pairs = [
      ...repeat(5, 'negative', 'negative'),
      ...repeat(2, 'negative', 'positive'),
      ...repeat(1, 'positive', 'negative'),
      ...repeat(22, 'positive', 'positive'),
    ];
    const report = reportFor(pairs, ['negative', 'positive']);
    // Produced with scikit-learn's own format strings from the same numbers.
    expect(formatClassificationReport(report, 4)).toBe(
      '              precision    recall  f1-score   support\n\n' +
        '    negative     0.8333    0.7143    0.7692         7\n' +
        '    positive     0.9167    0.9565    0.9362        23\n\n' +
        '    accuracy                         0.9000        30\n' +
        '   macro avg     0.8750    0.8354    0.8527        30\n' +
        'weighted avg     0.8972    0.9000    0.8972        30\n',
    );
  });

  it('widens the name column for long labels and rounds exact ties to even like Python', () => {
    const long = 'a much longer label name';
    // long: TP 1 of 8 predicted and 8 true → 0.125 everywhere, which Python prints as 0.12.
    const report = reportFor(
      [...repeat(1, long, long), ...repeat(7, long, 'b'), ...repeat(7, 'b', long), ...repeat(49, 'b', 'b')],
      [long, 'b'],
    );
    expect(formatClassificationReport(report)).toBe(
      '                          precision    recall  f1-score   support\n\n' +
        'a much longer label name       0.12      0.12      0.12         8\n' +
        '                       b       0.88      0.88      0.88        56\n\n' +
        '                accuracy                           0.78        64\n' +
        '               macro avg       0.50      0.50      0.50        64\n' +
        '            weighted avg       0.78      0.78      0.78        64\n',
    );
  });

  it('prints micro avg instead of accuracy for scikit-learn’s docstring case with labels=[1, 2, 3]', () => {
    // print(classification_report([1, 1, 1], [1, 1, 0], labels=[1, 2, 3])), from its docstring.
    const report = classificationReport(['1', '1', '1'], ['1', '1', '0'], ['1', '2', '3']);
    expect(formatClassificationReport(report)).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '           1       1.00      0.67      0.80         3',
        '           2       0.00      0.00      0.00         0',
        '           3       0.00      0.00      0.00         0',
        '',
        '   micro avg       1.00      0.67      0.80         3',
        '   macro avg       0.33      0.22      0.27         3',
        'weighted avg       1.00      0.67      0.80         3',
        '',
      ].join('\n'),
    );
  });

  it('prints micro avg when a failure stands for a label outside the given ones, accuracy when a label only never occurs', () => {
    // As classification_report(['a','a','b','b'], ['a','__failed__','b','b'], labels=['a','b']) prints.
    const failed = classificationReport(['a', 'a', 'b', 'b'], ['a', null, 'b', 'b'], ['a', 'b']);
    expect(formatClassificationReport(failed).split('\n')[5]).toBe(
      '   micro avg       1.00      0.75      0.86         4',
    );
    const unused = classificationReport(['a', 'b'], ['a', 'b'], ['a', 'b', 'c']);
    expect(formatClassificationReport(unused).split('\n')[6]).toBe(
      '    accuracy                           1.00         2',
    );
  });

  it('prints nan accuracy when there are no rows', () => {
    const text = formatClassificationReport(classificationReport([], [], ['a', 'b']));
    expect(text.split('\n')[5]).toBe('    accuracy                            nan         0');
  });
});

describe('formatConfusionMatrix', () => {
  it('prints a header of predicted labels and a row per true label', () => {
    expect(
      formatConfusionMatrix(
        [
          [5, 2],
          [1, 122],
        ],
        ['negative', 'pos'],
      ),
    ).toBe(
      [
        'true \\ predicted  negative  pos',
        '        negative         5    2',
        '             pos         1  122',
        '',
      ].join('\n'),
    );
  });

  it('rejects a matrix that does not fit the labels', () => {
    expect(() => formatConfusionMatrix([[1]], ['a', 'b'])).toThrow(RangeError);
  });
});

describe('formatFailureCounts', () => {
  it('states how many rows got no usable answer, and why', () => {
    expect(formatFailureCounts({ rows: 36, failedCalls: 0, unparseableAnswers: 36, unknownLabels: 0 })).toBe(
      'no usable answer: 36 of 36 (100.0 %); failed calls 0, unparseable answers 36, unknown labels 0\n',
    );
    expect(formatFailureCounts({ rows: 120, failedCalls: 2, unparseableAnswers: 1, unknownLabels: 0 })).toBe(
      'no usable answer: 3 of 120 (2.5 %); failed calls 2, unparseable answers 1, unknown labels 0\n',
    );
  });

  it('prints nan for the share of no rows', () => {
    expect(formatFailureCounts({ rows: 0, failedCalls: 0, unparseableAnswers: 0, unknownLabels: 0 })).toContain(
      '0 of 0 (nan)',
    );
  });
});

describe('formatMetricsSummary', () => {
  const usage = {
    calls: 30,
    input_tokens: 0,
    output_tokens: 0,
    mean_input_tokens: null,
    mean_output_tokens: null,
    cost_usd: 0.0123,
    unpriced_calls: 0,
    cost_per_1000: 0.41,
  };
  const latency = { p50: 12.04, p95: 30.15, p99: 40.2, mean: 14.333, max: 41, rows: 30 };

  it('prints one-off and good-vs-bad accuracy, cost per 1,000 and latency', () => {
    expect(
      formatMetricsSummary({
        ordinal: { one_off_accuracy: 0.8, good_threshold: 4, good_threshold_label: '4', good_vs_bad_accuracy: 0.9 },
        usage,
        latency_ms: latency,
      }),
    ).toBe(
      'one-off accuracy: 0.8000\n' +
        'good-vs-bad accuracy (good: "4" and above): 0.9000\n' +
        'cost per 1,000 classifications: $0.4100\n' +
        'latency ms: p50 12.0, p95 30.1, p99 40.2, mean 14.3, max 41.0 (30 rows)\n',
    );
  });

  it('says what is missing: no threshold, unpriced calls, no latency; no ordinal lines for other tasks', () => {
    expect(
      formatMetricsSummary({
        ordinal: {
          one_off_accuracy: 0.5,
          good_threshold: null,
          good_threshold_label: null,
          good_vs_bad_accuracy: null,
        },
        usage: { ...usage, unpriced_calls: 3, cost_per_1000: null },
        latency_ms: null,
      }),
    ).toBe(
      'one-off accuracy: 0.5000\n' +
        'good-vs-bad accuracy: no good_threshold set (on the task or the evaluation)\n' +
        'cost per 1,000 classifications: unknown (3 of 30 calls unpriced)\n' +
        'latency ms: none recorded\n',
    );
    expect(formatMetricsSummary({ ordinal: null, usage, latency_ms: null })).not.toContain('accuracy');
  });
});
