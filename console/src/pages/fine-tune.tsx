import { type ResponseBody, unwrap } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ChartView } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { JobActions } from '../components/job-actions.js';
import { Loaded } from '../components/loading.js';
import { ProblemView } from '../components/problem-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, shortId, usd, when } from '../format.js';
import { useSession } from '../session.js';
import { useLive } from '../use-live.js';
import { useResource } from '../use-resource.js';
import './jobs.css';

// The stream carries the fine-tune as its list shows it; the timeline, events and checkpoints are read apart.
type FineTune = ResponseBody<'/v1/fine-tunes/{fine_tune}/cancel', 'post'>;
type CurvePoint = FineTune['curve'][number];
type FineTuneEvent = ResponseBody<'/v1/fine-tunes/{fine_tune}/events'>['data'][number];

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'refused']);
const EVENTS_SHOWN = 50;

export function FineTunePage() {
  const { fine_tune: id } = useRoute().params as { fine_tune: string };
  const { client } = useSession();
  const path = { fine_tune: id };
  const live = useLive('/v1/fine-tunes/{fine_tune}/stream', { path });
  // Read again whenever the stream tells of a change: new events and checkpoints come with it.
  const detail = useResource(
    (api) => unwrap(api.GET('/v1/fine-tunes/{fine_tune}', { params: { path } })),
    [id, live.events],
  );
  const events = useResource(
    (api) => unwrap(api.GET('/v1/fine-tunes/{fine_tune}/events', { params: { path, query: { limit: EVENTS_SHOWN } } })),
    [id, live.events],
  );
  const fineTune = (live.state?.id ? live.state : detail.data) as FineTune | undefined;

  if (!fineTune) {
    const error = live.error ?? detail.error;
    return error ? <ProblemView error={error} /> : <p class="hint">Loading…</p>;
  }
  return (
    <section>
      <div class="job-head">
        <h1>Fine-tune {shortId(fineTune.id)}</h1>
        <StatusBadge status={fineTune.status} />
        {fineTune.cancel_requested && !TERMINAL.has(fineTune.status) ? <span class="badge">cancelling</span> : null}
        <span class="live-note">{live.ended ? 'ended' : 'live'}</span>
      </div>
      <p class="hint">
        {fineTune.provider} · {fineTune.base_model} · trains on{' '}
        <a href={`/console/dataset-versions/${fineTune.dataset_version_id}`}>
          version {shortId(fineTune.dataset_version_id)}
        </a>{' '}
        · created {when(fineTune.created_at)} · finished {when(fineTune.finished_at)}
      </p>
      {live.error ? <ProblemView error={live.error} /> : null}
      {fineTune.error ? (
        <div class="problem" role="alert">
          <strong>{fineTune.error.code ?? 'failed'}</strong>: {fineTune.error.message}
        </div>
      ) : null}
      <div class="cards">
        <Figure testId="figure-cost" name="cost" value={usd(fineTune.cost_usd)} />
        <Figure testId="figure-tokens" name="trained tokens" value={count(fineTune.trained_tokens)} />
        <Figure testId="figure-steps" name="curve points" value={count(fineTune.curve.length)} />
        <ResultingModel fineTune={fineTune} />
        {fineTune.auto_evaluation ? (
          <div class="card" data-testid="auto-evaluation">
            <div class="card-title">test evaluation</div>
            <div class="card-value">
              {fineTune.auto_evaluation.evaluation_id ? (
                <a href={`/console/evaluations/${fineTune.auto_evaluation.evaluation_id}`}>
                  {shortId(fineTune.auto_evaluation.evaluation_id)}
                </a>
              ) : (
                fineTune.auto_evaluation.status
              )}
            </div>
            {fineTune.auto_evaluation.reason ? <div class="hint">{fineTune.auto_evaluation.reason}</div> : null}
          </div>
        ) : null}
      </div>
      <JobActions
        onDone={live.restart}
        actions={[
          {
            name: 'Cancel',
            enabled: !TERMINAL.has(fineTune.status) && !fineTune.cancel_requested,
            run: () => unwrap(client.POST('/v1/fine-tunes/{fine_tune}/cancel', { params: { path } })),
          },
        ]}
      />
      <Curves curve={fineTune.curve} />
      <Loaded resource={detail}>
        {(value) =>
          value.timeline.length > 0 ? (
            <>
              <h2>Timeline</h2>
              <ol data-testid="timeline">
                {value.timeline.map((entry) => (
                  <li key={`${entry.status}-${entry.at}`}>
                    {entry.status} · {when(entry.at)}
                    {entry.detail ? ` · ${entry.detail}` : ''}
                  </li>
                ))}
              </ol>
            </>
          ) : null
        }
      </Loaded>
      <h2>Events</h2>
      <Loaded resource={events}>{(page) => <EventTable events={page.data} more={page.next_cursor !== null} />}</Loaded>
    </section>
  );
}

function ResultingModel({ fineTune }: { fineTune: FineTune }) {
  const id = fineTune.model_version_id;
  const model = useResource(
    (client) =>
      id
        ? unwrap(client.GET('/v1/model-versions/{model_version}', { params: { path: { model_version: id } } }))
        : Promise.resolve(null),
    [id],
  );
  return (
    <div class="card" data-testid="resulting-model">
      <div class="card-title">resulting model</div>
      <div class="card-value">{id ? (model.data?.name ?? shortId(id)) : 'none yet'}</div>
      {model.data ? (
        <div class="hint">
          {model.data.kind} · {model.data.model} · {model.data.status} · <code>{shortId(model.data.id)}</code>
        </div>
      ) : fineTune.fine_tuned_model ? (
        <div class="hint">{fineTune.fine_tuned_model}</div>
      ) : null}
    </div>
  );
}

type Measure = keyof Omit<CurvePoint, 'step'>;
// Points by step on a linear axis: the curve may skip steps (a trainer logs only some epochs).
const series = (curve: CurvePoint[], field: Measure) => curve.map((point) => ({ x: point.step, y: point[field] }));

function Curves({ curve }: { curve: CurvePoint[] }) {
  const charts = useMemo(() => {
    const line = (datasets: { label: string; data: { x: number; y: number | null }[] }[], yMax?: number) =>
      ({
        type: 'line',
        data: { datasets: datasets.map((set) => ({ ...set, spanGaps: true, pointRadius: 2 })) },
        options: {
          scales: {
            x: { type: 'linear', title: { display: true, text: 'step' } },
            y: { beginAtZero: true, ...(yMax ? { max: yMax } : {}) },
          },
        },
      }) satisfies ChartConfiguration<'line'>;
    const hasAccuracy = curve.some((point) => point.train_accuracy !== null || point.valid_accuracy !== null);
    return {
      loss: line([
        { label: 'train loss', data: series(curve, 'train_loss') },
        { label: 'validation loss', data: series(curve, 'valid_loss') },
      ]),
      accuracy: hasAccuracy
        ? line(
            [
              { label: 'train accuracy', data: series(curve, 'train_accuracy') },
              { label: 'validation accuracy', data: series(curve, 'valid_accuracy') },
            ],
            1,
          )
        : null,
    };
  }, [curve]);
  if (curve.length === 0) return <p class="hint">No training curve yet.</p>;
  return (
    <div class="chart-grid">
      <figure>
        <figcaption>Loss</figcaption>
        <ChartView config={charts.loss} label="Train and validation loss per step" />
      </figure>
      {charts.accuracy ? (
        <figure>
          <figcaption>Accuracy</figcaption>
          <ChartView config={charts.accuracy} label="Train and validation accuracy per step" />
        </figure>
      ) : null}
    </div>
  );
}

function EventTable({ events, more }: { events: FineTuneEvent[]; more: boolean }) {
  if (events.length === 0) return <p class="hint">No events yet.</p>;
  return (
    <>
      <table data-testid="fine-tune-events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Level</th>
            <th>Type</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>{new Date(event.created_at).toLocaleTimeString('en-GB')}</td>
              <td>{event.level}</td>
              <td>{event.type ?? '—'}</td>
              <td>{event.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? <p class="hint">The newest {EVENTS_SHOWN} events; older ones are in the API.</p> : null}
    </>
  );
}
