import { count, decimal } from '../format.js';
import type { EvaluationMetrics } from './metrics.js';

type Report = NonNullable<EvaluationMetrics['report']>;

/** Precision, recall, F1 and support per class, then the averages, as scikit-learn's report lists them. */
export function ClassReport({ report }: { report: Report }) {
  const rows = [
    ...report.labels.map((row) => ({ name: row.label, scores: row, testid: `class-${row.label}` })),
    { name: 'macro avg', scores: report.macro_avg, testid: 'class-macro-avg' },
    { name: 'weighted avg', scores: report.weighted_avg, testid: 'class-weighted-avg' },
  ];
  return (
    <table class="class-report" data-testid="class-report">
      <thead>
        <tr>
          <th>Class</th>
          <th class="number">Precision</th>
          <th class="number">Recall</th>
          <th class="number">F1</th>
          <th class="number">Support</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ name, scores, testid }) => (
          <tr key={testid} data-testid={testid} class={testid.startsWith('class-macro') ? 'first-average' : undefined}>
            <th scope="row">{name}</th>
            <td class="number">{decimal(scores.precision)}</td>
            <td class="number">{decimal(scores.recall)}</td>
            <td class="number">{decimal(scores.f1_score)}</td>
            <td class="number">{count(scores.support)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
