import { count, decimal, percent } from '../format.js';

interface Agreement {
  n: number;
  accuracy: number | null;
  kappa: number | null;
}

const isAgreement = (value: unknown): value is Agreement =>
  typeof value === 'object' && value !== null && typeof (value as Agreement).n === 'number';

/**
 * How a label run's answers agree with the labels its rows already had (its report's
 * `label_run.agreement_*`), overall and by where those labels came from. Nothing when none were compared.
 */
export function AgreementTable({ report }: { report: Record<string, unknown> | null | undefined }) {
  const labelRun = report?.['label_run'] as Record<string, unknown> | undefined;
  const overall = labelRun?.['agreement_with_existing_labels'];
  const bySource = labelRun?.['agreement_by_label_source'];
  const rows: [string, Agreement][] = [];
  if (isAgreement(overall) && overall.n > 0) rows.push(['all existing labels', overall]);
  if (typeof bySource === 'object' && bySource !== null)
    for (const [source, value] of Object.entries(bySource)) if (isAgreement(value)) rows.push([source, value]);
  if (rows.length === 0) return null;
  return (
    <>
      <h2>Agreement with existing labels</h2>
      <table data-testid="agreement">
        <thead>
          <tr>
            <th>Compared with</th>
            <th class="number">Rows</th>
            <th class="number">Agreement</th>
            <th class="number">Cohen's kappa</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}>
              <td>{name}</td>
              <td class="number">{count(value.n)}</td>
              <td class="number">{percent(value.accuracy)}</td>
              <td class="number">{decimal(value.kappa)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
