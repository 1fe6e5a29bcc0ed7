import { type ResponseBody, unwrap } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ChartView } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { Loaded } from '../components/loading.js';
import { ProblemView } from '../components/problem-view.js';
import { TaskTabs } from '../components/task-tabs.js';
import { count, decimal, ms, percent, shortId, when } from '../format.js';
import { useCan, useSession } from '../session.js';
import { useInterval, useResource } from '../use-resource.js';

type Monitoring = ResponseBody<'/v1/tasks/{task}/monitoring'>;
type Routing = ResponseBody<'/v1/tasks/{task}/routing'>;
type ModelVersion = ResponseBody<'/v1/tasks/{task}/model-versions'>['data'][number];
type RoutingEvent = ResponseBody<'/v1/tasks/{task}/routing/history'>['data'][number];

const WINDOWS = { '24 h': 24 * 3600, '7 days': 7 * 24 * 3600 } as const;
const REFRESH_MS = 15_000;

export function TaskPage() {
  const { task } = useRoute().params as { task: string };
  const [window, setWindow] = useState<keyof typeof WINDOWS>('24 h');
  const info = useResource((client) => unwrap(client.GET('/v1/tasks/{task}', { params: { path: { task } } })), [task]);
  const routing = useResource(
    (client) => unwrap(client.GET('/v1/tasks/{task}/routing', { params: { path: { task } } })),
    [task],
  );
  const models = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/model-versions', { params: { path: { task }, query: { limit: 100 } } })),
    [task],
  );
  const history = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/routing/history', { params: { path: { task }, query: { limit: 20 } } })),
    [task],
  );
  const monitoring = useResource(
    (client) => {
      const until = new Date();
      const since = new Date(until.getTime() - WINDOWS[window] * 1000);
      return unwrap(
        client.GET('/v1/tasks/{task}/monitoring', {
          params: {
            path: { task },
            query: { since: since.toISOString(), until: until.toISOString(), min_predictions: 100 },
          },
        }),
      );
    },
    [task, window],
  );
  useInterval(monitoring.reload, REFRESH_MS);

  const names = useMemo(() => new Map((models.data?.data ?? []).map((model) => [model.id, model])), [models.data]);
  const changed = () => {
    routing.reload();
    history.reload();
    models.reload();
  };

  return (
    <section>
      <TaskTabs task={task} title={info.data?.slug} />
      {info.data ? <p class="hint">{info.data.description ?? info.data.instructions}</p> : null}
      <Loaded resource={routing}>{(value) => <RoutingCard routing={value} models={names} />}</Loaded>
      <h2>
        Live figures{' '}
        <select
          aria-label="Window"
          value={window}
          onChange={(event) => setWindow(event.currentTarget.value as keyof typeof WINDOWS)}
        >
          {Object.keys(WINDOWS).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </h2>
      <Loaded resource={monitoring}>{(value) => <MonitoringView monitoring={value} />}</Loaded>
      <RoutingActions task={task} routing={routing.data} models={models.data?.data ?? []} onChange={changed} />
      <h2>Routing history</h2>
      <Loaded resource={history}>{(page) => <HistoryTable events={page.data} models={names} />}</Loaded>
    </section>
  );
}

const modelName = (models: Map<string, ModelVersion>, id: string | null) =>
  id ? (models.get(id)?.name ?? shortId(id)) : '—';

function ModelCell({ id, models, part }: { id: string | null; models: Map<string, ModelVersion>; part: string }) {
  const model = id ? models.get(id) : undefined;
  return (
    <div class="card" data-testid={part}>
      <div class="card-title">{part}</div>
      {id ? (
        <>
          <div class="card-value">{model?.name ?? shortId(id)}</div>
          <div class="hint">
            {model ? `${model.kind} · ${model.provider} · ${model.model}` : ''} · <code>{shortId(id)}</code>
          </div>
        </>
      ) : (
        <div class="card-value">none</div>
      )}
    </div>
  );
}

function RoutingCard({ routing, models }: { routing: Routing; models: Map<string, ModelVersion> }) {
  return (
    <div class="cards">
      <ModelCell id={routing.champion_id} models={models} part="champion" />
      <ModelCell id={routing.fallback_id} models={models} part="fallback" />
      <div class="card">
        <div class="card-title">mode</div>
        <div class="card-value">{routing.mode}</div>
        {routing.cascade ? (
          <ol class="hint">
            {routing.cascade.stages.map((stage) => (
              <li key={stage.model_version_id}>
                {modelName(models, stage.model_version_id)}
                {stage.min_confidence !== null && stage.min_confidence !== undefined
                  ? ` (answers at confidence ≥ ${stage.min_confidence})`
                  : ''}
              </li>
            ))}
          </ol>
        ) : null}
      </div>
      <div class="card">
        <div class="card-title">promotion policy</div>
        <div class="hint">
          {routing.policy.metric} +{routing.policy.min_improvement} on ≥ {routing.policy.min_test_size} rows
          {routing.policy.auto_promote ? ', automatic' : ', by hand'}
        </div>
      </div>
    </div>
  );
}

function lineChart(labels: string[], datasets: { label: string; data: (number | null)[] }[], yMax?: number) {
  return {
    type: 'line',
    data: { labels, datasets: datasets.map((set) => ({ ...set, spanGaps: true, pointRadius: 2 })) },
    options: { scales: { y: { beginAtZero: true, ...(yMax ? { max: yMax } : {}) } } },
  } satisfies ChartConfiguration<'line'>;
}

function MonitoringView({ monitoring }: { monitoring: Monitoring }) {
  const { totals, drift, series } = monitoring;
  const charts = useMemo(() => {
    const labels = series.map((bucket) =>
      new Date(bucket.start).toLocaleString('en-GB', {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }),
    );
    const volume: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'champion', data: series.map((bucket) => bucket.served_by_champion), stack: 'served' },
          { label: 'fallback', data: series.map((bucket) => bucket.served_by_fallback), stack: 'served' },
          { label: 'failed', data: series.map((bucket) => bucket.failed), stack: 'served' },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    };
    return {
      volume,
      rates: lineChart(labels, [
        { label: 'fallback rate', data: series.map((bucket) => bucket.fallback_rate) },
        { label: 'error rate', data: series.map((bucket) => bucket.error_rate) },
      ]),
      latency: lineChart(labels, [
        { label: 'p50 ms', data: series.map((bucket) => bucket.latency_ms.p50) },
        { label: 'p99 ms', data: series.map((bucket) => bucket.latency_ms.p99) },
      ]),
      accuracy: lineChart(labels, [{ label: 'live accuracy', data: series.map((bucket) => bucket.live_accuracy) }], 1),
    };
  }, [series]);

  return (
    <>
      <div class="cards" data-testid="monitoring-totals">
        <Figure name="predictions" value={count(totals.predictions)} />
        <Figure name="fallback rate" value={percent(totals.fallback_rate)} />
        <Figure name="error rate" value={percent(totals.error_rate)} />
        <Figure name="latency p50 / p99" value={`${ms(totals.latency_ms.p50)} / ${ms(totals.latency_ms.p99)}`} />
        <Figure
          name="live accuracy"
          value={percent(totals.live_accuracy)}
          note={`${count(totals.correct)} of ${count(totals.feedback)} with feedback`}
        />
        <Figure
          name="drift (PSI)"
          value={drift.level ?? (drift.insufficient_sample ? 'too few predictions' : '—')}
          note={drift.psi === null ? drift.reason : decimal(drift.psi)}
        />
      </div>
      <div class="chart-grid">
        <figure>
          <figcaption>Volume</figcaption>
          <ChartView config={charts.volume} label="Predictions per bucket by who served them" />
        </figure>
        <figure>
          <figcaption>Fallback and error rate</figcaption>
          <ChartView config={charts.rates} label="Fallback and error rate per bucket" />
        </figure>
        <figure>
          <figcaption>Latency</figcaption>
          <ChartView config={charts.latency} label="Latency p50 and p99 per bucket" />
        </figure>
        <figure>
          <figcaption>Live accuracy (from feedback)</figcaption>
          <ChartView config={charts.accuracy} label="Live accuracy per bucket" />
        </figure>
      </div>
    </>
  );
}

/** Promote and roll back; only shown to keys with the write scope. */
function RoutingActions(props: { task: string; routing?: Routing; models: ModelVersion[]; onChange(): void }) {
  const canWrite = useCan('write');
  const { client } = useSession();
  const candidates = props.models.filter(
    (model) => model.status !== 'retired' && model.id !== props.routing?.champion_id,
  );
  const [chosen, setChosen] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!canWrite || !props.routing) return null;

  const act = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      setReason('');
      props.onChange();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const path = { task: props.task };
  const target = chosen || candidates[0]?.id || '';
  return (
    <div class="actions" data-testid="routing-actions">
      <h2>Change the champion</h2>
      <label>
        Model
        <select value={target} onChange={(event) => setChosen(event.currentTarget.value)}>
          {candidates.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name} ({model.kind}, {model.status})
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason
        <input
          value={reason}
          placeholder="why (kept in the routing history)"
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
      <button
        type="button"
        disabled={busy || !target}
        onClick={() =>
          act(() =>
            unwrap(
              client.POST('/v1/tasks/{task}/routing/promote', {
                params: { path },
                body: { model_version_id: target, reason: reason || 'promoted in the console' },
              }),
            ),
          )
        }
      >
        Promote
      </button>
      <button
        type="button"
        disabled={busy || !props.routing.champion_id}
        onClick={() =>
          act(() =>
            unwrap(
              client.POST('/v1/tasks/{task}/routing/rollback', {
                params: { path },
                body: { reason: reason || 'rolled back in the console' },
              }),
            ),
          )
        }
      >
        Roll back
      </button>
      {error ? <ProblemView error={error} /> : null}
    </div>
  );
}

function HistoryTable({ events, models }: { events: RoutingEvent[]; models: Map<string, ModelVersion> }) {
  if (events.length === 0) return <p class="hint">No routing changes yet.</p>;
  return (
    <table data-testid="routing-history">
      <thead>
        <tr>
          <th>When</th>
          <th>Action</th>
          <th>From → to</th>
          <th>Reason</th>
          <th>By</th>
          <th>Numbers</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>{when(event.created_at)}</td>
            <td>{event.action}</td>
            <td>
              {modelName(models, event.from_model_id)} → {modelName(models, event.to_model_id)}
            </td>
            <td>{event.reason}</td>
            <td>{event.actor}</td>
            <td>
              {event.numbers ? (
                <details>
                  <summary>numbers</summary>
                  <pre>{JSON.stringify(event.numbers, null, 2)}</pre>
                </details>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
