import type { ResponseBody, TunelineClient } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { ChartView } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { Loaded } from '../components/loading.js';
import { count, decimal } from '../format.js';
import { useResource } from '../use-resource.js';
import type { EvaluationMetrics } from './metrics.js';
import { binsEce, type ReliabilityBin, reliabilityBins } from './reliability.js';

type Prediction = ResponseBody<'/v1/evaluations/{evaluation}/predictions'>['data'][number];

// Enough for any evaluation the API runs in practice; beyond it the diagram says it is partial.
const MAX_ROWS = 20_000;

async function loadRows(client: TunelineClient, evaluation: string) {
  const rows: Prediction[] = [];
  let complete = true;
  for await (const row of client.paginate('/v1/evaluations/{evaluation}/predictions', {
    path: { evaluation },
    query: { limit: 1000 },
  })) {
    if (rows.length === MAX_ROWS) {
      complete = false;
      break;
    }
    rows.push(row);
  }
  return { rows, complete };
}

/** Accuracy per confidence bin against the diagonal of perfect calibration, with the evaluation's ECE. */
export function ReliabilityDiagram({
  evaluation,
  labels,
  calibration,
}: {
  evaluation: string;
  labels: string[];
  calibration: NonNullable<EvaluationMetrics['calibration']>;
}) {
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
        <BinsChart
          bins={stored.map((bin) => ({ ...bin, meanConfidence: bin.mean_confidence }))}
          note="bins as the API computed them"
        />
      ) : (
        <RecomputedBins evaluation={evaluation} labels={labels} binCount={calibration.ece_bins} />
      )}
    </figure>
  );
}

/** Evaluations made before the API kept the bins: rebuilt from their per-row probabilities. */
function RecomputedBins(props: { evaluation: string; labels: string[]; binCount: number }) {
  const predictions = useResource((client) => loadRows(client, props.evaluation), [props.evaluation]);
  return (
    <Loaded resource={predictions}>
      {({ rows, complete }) => (
        <BinsChart
          bins={reliabilityBins(rows, props.labels, props.binCount)}
          note={`rebuilt from the rows' probabilities${complete ? '' : `, the first ${count(rows.length)}`}`}
        />
      )}
    </Loaded>
  );
}

function BinsChart({ bins, note }: { bins: ReliabilityBin[]; note: string | undefined }) {
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
            data: bins.map((bin) => bin.meanConfidence),
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
        {note ? ` (${note})` : ''}
      </p>
    </>
  );
}
