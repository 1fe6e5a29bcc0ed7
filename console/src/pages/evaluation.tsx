import { unwrap } from '@tuneline/client';
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { Figure } from '../components/figure.js';
import { Loaded } from '../components/loading.js';
import { ProblemView } from '../components/problem-view.js';
import { ProgressBar } from '../components/progress-bar.js';
import { TaskTabs } from '../components/task-tabs.js';
import { ClassReport } from '../evaluation/class-report.js';
import { ConfusionHeatMap } from '../evaluation/confusion-heat-map.js';
import { type Evaluation, type EvaluationMetrics, isLive, metricsOf } from '../evaluation/metrics.js';
import { ReliabilityDiagram } from '../evaluation/reliability-diagram.js';
import { count, decimal, duration, ms, percent, shortId, usd, when } from '../format.js';
import { useSession } from '../session.js';
import { useResource } from '../use-resource.js';
import './evaluation.css';

export function EvaluationPage() {
  const { evaluation } = useRoute().params as { evaluation: string };
  const resource = useResource(
    (client) => unwrap(client.GET('/v1/evaluations/{evaluation}', { params: { path: { evaluation } } })),
    [evaluation],
  );
  return (
    <section class="evaluation-page">
      <Loaded resource={resource}>{(value) => <EvaluationView evaluation={value} onEnded={resource.reload} />}</Loaded>
    </section>
  );
}

function EvaluationView({ evaluation, onEnded }: { evaluation: Evaluation; onEnded(): void }) {
  const task = useResource(
    (client) => unwrap(client.GET('/v1/tasks/{task}', { params: { path: { task: evaluation.task_id } } })),
    [evaluation.task_id],
  );
  const model = useResource(
    (client) =>
      unwrap(
        client.GET('/v1/model-versions/{model_version}', {
          params: { path: { model_version: evaluation.model_version_id } },
        }),
      ),
    [evaluation.model_version_id],
  );
  const metrics = metricsOf(evaluation);
  return (
    <>
      <TaskTabs task={evaluation.task_id} title={task.data?.slug} />
      <h1>
        Evaluation <code>{shortId(evaluation.id)}</code>{' '}
        <span class={`badge status-${evaluation.status}`} data-testid="evaluation-status">
          {evaluation.status}
        </span>
      </h1>
      <p class="hint">
        {model.data ? `${model.data.name} (${model.data.kind}, ${model.data.provider} · ${model.data.model})` : '…'} on
        the {evaluation.split} split of dataset version <code>{shortId(evaluation.dataset_version_id)}</code> ·{' '}
        {count(evaluation.total)} rows · created {when(evaluation.created_at)}
        {evaluation.finished_at ? ` · finished ${when(evaluation.finished_at)}` : ''}
      </p>
      {isLive(evaluation.status) ? <LiveProgress evaluation={evaluation} onEnded={onEnded} /> : null}
      {evaluation.error ? (
        <div class="problem" role="alert">
          <strong>{evaluation.error.code}</strong>: {evaluation.error.message}
        </div>
      ) : null}
      {evaluation.status === 'completed' ? <Results evaluation={evaluation} metrics={metrics} /> : null}
    </>
  );
}

/** Follows the evaluation's server-sent events while it runs; the full evaluation is reloaded once it ends. */
function LiveProgress({ evaluation, onEnded }: { evaluation: Evaluation; onEnded(): void }) {
  const { client } = useSession();
  const [live, setLive] = useState<Partial<Evaluation>>(evaluation);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      try {
        for await (const event of client.events(
          '/v1/evaluations/{evaluation}/stream',
          { path: { evaluation: evaluation.id } },
          { signal: abort.signal },
        )) {
          setLive(event.state);
          if (event.event === 'end') onEnded();
        }
      } catch (problem) {
        if (!abort.signal.aborted) setError(problem);
      }
    })();
    return () => abort.abort();
  }, [client, evaluation.id]);

  const answered = live.answered ?? 0;
  const total = live.total ?? evaluation.total;
  return (
    <div class="live" data-testid="live-progress">
      <ProgressBar done={answered} total={total} label="Rows answered" />
      <div class="cards">
        <Figure name="status" value={live.status ?? evaluation.status} />
        <Figure name="rate" value={live.rate_per_minute ? `${count(Math.round(live.rate_per_minute))} / min` : '—'} />
        <Figure name="time left" value={duration(live.eta_seconds)} />
        <Figure name="started" value={when(live.started_at)} />
      </div>
      <p class="hint">Cost and latency are summed when the last row is in; they appear with the results.</p>
      {error ? <ProblemView error={error} /> : null}
    </div>
  );
}

function Results({ evaluation, metrics }: { evaluation: Evaluation; metrics: EvaluationMetrics }) {
  const { report, confusion_matrix: confusion, calibration, latency_ms: latency, usage } = metrics;
  const failed = metrics.failed_predictions ?? 0;
  const unknown = metrics.unknown_predictions ?? 0;
  return (
    <>
      <div class="cards" data-testid="headline">
        <Figure name="accuracy" value={percent(report?.accuracy)} />
        <Figure name="macro F1" value={decimal(report?.macro_avg.f1_score)} />
        <Figure name="weighted F1" value={decimal(report?.weighted_avg.f1_score)} />
        <Figure name="rows" value={count(metrics.rows ?? evaluation.total)} />
        <Figure
          name="failed / unparseable"
          value={count(failed)}
          note={unknown ? `${count(unknown)} answered a label outside the task` : undefined}
        />
      </div>
      {confusion ? (
        <>
          <h2>Confusion matrix</h2>
          <p class="hint">
            Rows are true labels, columns predictions. Click a cell for the rows behind it.
            {failed + unknown > 0 ? ` ${count(failed + unknown)} rows with no usable answer are in no column.` : ''}
          </p>
          <ConfusionHeatMap evaluation={evaluation.id} labels={confusion.labels} matrix={confusion.matrix} />
        </>
      ) : null}
      {report ? (
        <>
          <h2>Per class</h2>
          <ClassReport report={report} />
        </>
      ) : null}
      <h2>Calibration, latency and cost</h2>
      <div class="evaluation-grid">
        {calibration && confusion ? (
          <ReliabilityDiagram calibration={calibration} />
        ) : (
          <p class="hint">No probabilities came back from this model, so there is no calibration to show.</p>
        )}
        <div>
          <h3>Latency</h3>
          {latency ? (
            <div class="cards" data-testid="latency">
              <Figure name="p50" value={ms(latency.p50)} />
              <Figure name="p95" value={ms(latency.p95)} />
              <Figure name="p99" value={ms(latency.p99)} />
              <Figure name="mean" value={ms(latency.mean)} note={`max ${ms(latency.max)}`} />
            </div>
          ) : (
            <p class="hint">No latencies recorded.</p>
          )}
          <h3>Cost</h3>
          {usage ? (
            <div class="cards" data-testid="cost">
              <Figure
                name="total"
                value={usd(usage.cost_usd)}
                note={usage.unpriced_calls ? `${count(usage.unpriced_calls)} calls unpriced` : undefined}
              />
              <Figure name="per 1,000" value={usd(usage.cost_per_1000)} />
              <Figure
                name="tokens per call"
                value={`${decimal(usage.mean_input_tokens, 1)} in / ${decimal(usage.mean_output_tokens, 1)} out`}
                note={`${count(usage.calls)} calls`}
              />
            </div>
          ) : null}
        </div>
      </div>
    </>
  );
}
