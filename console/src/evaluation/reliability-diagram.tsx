import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { ChartView } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { count, decimal } from '../format.js';
import type { EvaluationMetrics } from './metrics.js';

type ReliabilityBin = NonNullable<NonNullable<EvaluationMetrics['calibration']>['reliability']>[number];

/** Σ (n_bin / n) · |accuracy − confidence|: the ECE of the bins drawn, shown beside the API's. */
function binsEce(bins: readonly ReliabilityBin[]): number | null {
  const total = bins.reduce((sum, bin) => sum + bin.rows, 0);
  if (total === 0) return null;
  return bins.reduce(
    (sum, bin) => (bin.rows === 0 ? sum : sum + Math.abs(bin.accuracy! - bin.mean_confidence!) * (bin.rows / total)),
    0,
  );
}

/** Accuracy per confidence bin against the diagonal of perfect calibration, with the evaluation's ECE. */
export function ReliabilityDiagram({ calibration }: { calibration: NonNullable<EvaluationMetrics['calibration']> }) {
  const stored = calibration.reliability;
  return (
    <figure class="reliability" data-testid="reliability">
      <figcaption>Reliability (calibration)</figcaption>
      <div class="cards">
        <Figure name="ECE" value={decimal(calibration.expected_calibration_error)} testId="ece" />
        <Figure name="Brier score" value={decimal(calibration.brier_score)} />
        <Figure name="log loss" value={decimal(calibration.log_loss)} />
        <Figure
          name="rows scored"
          value={count(calibration.rows_scored)}
          note={calibration.rows_excluded ? `${count(calibration.rows_excluded)} without probabilities` : undefined}
        />
      </div>
      {stored ? (
        <BinsChart bins={stored} />
      ) : (
        <p class="hint">This evaluation was made before the API kept its calibration bins; run it again to see them.</p>
      )}
    </figure>
  );
}

function BinsChart({ bins }: { bins: ReliabilityBin[] }) {
  const config = useMemo((): ChartConfiguration => {
    const labels = bins.map((bin) => `${bin.lower.toFixed(1)}–${bin.upper.toFixed(1)}`);
    return {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'accuracy', data: bins.map((bin) => bin.accuracy), order: 2 },
          {
            type: 'line',
            label: 'mean confidence',
            data: bins.map((bin) => bin.mean_confidence),
            showLine: false,
            pointRadius: 4,
            order: 1,
          },
          {
            type: 'line',
            label: 'perfect calibration',
            data: bins.map((bin) => (bin.lower + bin.upper) / 2),
            borderDash: [5, 4],
            pointRadius: 0,
            order: 0,
          },
        ],
      },
      options: {
        scales: {
          y: { min: 0, max: 1, title: { display: true, text: 'accuracy' } },
          x: { title: { display: true, text: 'confidence (top probability)' } },
        },
        plugins: {
          tooltip: {
            callbacks: { afterLabel: (item) => `${count(bins[item.dataIndex]?.rows)} rows` },
          },
        },
      },
    };
  }, [bins]);
  const ece = binsEce(bins);
  return (
    <>
      <ChartView config={config} label="Accuracy per confidence bin against perfect calibration" height={260} />
      <p class="hint" data-testid="bins-ece">
        Rows per bin: {bins.map((bin) => bin.rows).join(' · ')}. ECE of these bins: {decimal(ece)}
      </p>
    </>
  );
}
