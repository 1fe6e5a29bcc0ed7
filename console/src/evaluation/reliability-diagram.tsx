import type { ResponseBody, TunelineClient } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { ChartView } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { Loaded } from '../components/loading.js';
import { count, decimal } from '../format.js';
import { useResource } from '../use-resource.js';
import type { EvaluationMetrics } from './metrics.js';
import { binsEce, reliabilityBins } from './reliability.js';

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
  const predictions = useResource((client) => loadRows(client, evaluation), [evaluation]);
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
      <Loaded resource={predictions}>
        {({ rows, complete }) => (
          <BinsChart
            rows={rows}
            labels={labels}
            binCount={calibration.ece_bins}
            note={complete ? undefined : `bins over the first ${count(rows.length)} rows`}
          />
        )}
      </Loaded>
    </figure>
  );
}

function BinsChart(props: { rows: Prediction[]; labels: string[]; binCount: number; note: string | undefined }) {
  const { note } = props;
  const bins = useMemo(
    () => reliabilityBins(props.rows, props.labels, props.binCount),
    [props.rows, props.labels, props.binCount],
  );
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
