import { type RequestBody, type ResponseBody, unwrap } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ChartView } from '../components/chart.js';
import { Loaded } from '../components/loading.js';
import { ProblemView } from '../components/problem-view.js';
import { TaskTabs } from '../components/task-tabs.js';
import { count, shortId, usd } from '../format.js';
import { useSession } from '../session.js';
import { useResource } from '../use-resource.js';
import './evaluation.css';

type Projection = ResponseBody<'/v1/cost-projections', 'post'>;
type ModelVersion = ResponseBody<'/v1/tasks/{task}/model-versions'>['data'][number];
type Body = RequestBody<'/v1/cost-projections'>;

// What a month is in the table: 30 days at the day-0 volume.
const MONTH_DAYS = 30;

export function CostProjectionsPage() {
  const { task } = useRoute().params as { task: string };
  const models = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/model-versions', { params: { path: { task }, query: { limit: 100 } } })),
    [task],
  );
  return (
    <section>
      <TaskTabs task={task} />
      <h1>Cost projections</h1>
      <Loaded resource={models}>
        {(page) => <Projector models={page.data.filter((model) => model.status !== 'retired')} />}
      </Loaded>
    </section>
  );
}

function Projector({ models }: { models: ModelVersion[] }) {
  const { client } = useSession();
  const [chosen, setChosen] = useState<string[]>(() => models.slice(0, 3).map((model) => model.id));
  const [volume, setVolume] = useState('10000');
  const [growth, setGrowth] = useState('0');
  const [horizon, setHorizon] = useState('180');
  const [result, setResult] = useState<{ projection: Projection; volume: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (models.length === 0) return <p class="hint">This task has no model versions to compare yet.</p>;

  const toggle = (id: string, on: boolean) =>
    setChosen((previous) => (on ? [...previous, id] : previous.filter((value) => value !== id)));

  const project = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    // The numbers go as typed: a bad one is the API's to refuse, with the field it names.
    const body: Body = {
      daily_volume: Number(volume),
      daily_growth: Number(growth) / 100,
      horizon_days: Number(horizon),
      options: models
        .filter((model) => chosen.includes(model.id))
        .map((model, _, list) => ({
          // Options are told apart by name (in the table and the break-even pairs).
          name:
            list.filter((other) => other.name === model.name).length > 1
              ? `${model.name} ${shortId(model.id)}`
              : model.name,
          model_version_id: model.id,
        })),
    };
    try {
      const projection = await unwrap(
        client.POST('/v1/cost-projections', { params: { query: { include: 'daily' } }, body }),
      );
      setResult({ projection, volume: body.daily_volume });
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form class="projection-form" onSubmit={project} data-testid="projection-form">
        <fieldset>
          <legend class="hint">Model versions</legend>
          {models.map((model) => (
            <label key={model.id}>
              <input
                type="checkbox"
                checked={chosen.includes(model.id)}
                onChange={(event) => toggle(model.id, event.currentTarget.checked)}
              />
              {model.name}{' '}
              <span class="hint">
                ({model.kind}, {model.status})
              </span>
            </label>
          ))}
        </fieldset>
        <label>
          Classifications a day
          <input type="number" min="0" value={volume} onInput={(e) => setVolume(e.currentTarget.value)} />
        </label>
        <label>
          Growth a day (%)
          <input type="number" step="any" value={growth} onInput={(e) => setGrowth(e.currentTarget.value)} />
        </label>
        <label>
          Days
          <input type="number" min="1" value={horizon} onInput={(e) => setHorizon(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy || chosen.length === 0}>
          {busy ? 'Projecting…' : 'Project'}
        </button>
      </form>
      {error ? <ProblemView error={error} /> : null}
      {result ? <ProjectionView projection={result.projection} volume={result.volume} /> : null}
    </>
  );
}

function ProjectionView({ projection, volume }: { projection: Projection; volume: number }) {
  const chart = useMemo(
    (): ChartConfiguration<'line'> => ({
      type: 'line',
      data: {
        labels: Array.from({ length: projection.days }, (_, day) => String(day + 1)),
        datasets: projection.options.map((option) => ({
          label: option.name,
          data: option.cumulative_usd ?? [],
          pointRadius: 0,
        })),
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'day' } },
          y: { beginAtZero: true, title: { display: true, text: 'cumulative USD' } },
        },
      },
    }),
    [projection],
  );
  return (
    <>
      <p class="hint" data-testid="projection-summary">
        Prices of {projection.price_table_date}; {count(Math.round(projection.total_volume))} classifications over{' '}
        {projection.days} days. Cheapest at the end: <strong>{projection.cheapest_at_horizon}</strong>.
      </p>
      <table data-testid="projection">
        <thead>
          <tr>
            <th>Option</th>
            <th>Priced as</th>
            <th class="number">Per 1,000</th>
            <th class="number">Endpoint / day</th>
            <th class="number">Training</th>
            <th class="number">{MONTH_DAYS} days at day-0 volume</th>
            <th class="number">Total over {projection.days} days</th>
          </tr>
        </thead>
        <tbody>
          {projection.options.map((option) => (
            <tr key={option.name} data-testid={`option-${option.name}`}>
              <td>
                {option.name}
                <div class="hint">{option.model}</div>
              </td>
              <td>{option.price_source}</td>
              <td class="number">{usd(option.per_1000_usd)}</td>
              <td class="number">{usd(option.endpoint_usd_per_day)}</td>
              <td class="number">{usd(option.training_cost_usd)}</td>
              <td class="number">{usd(MONTH_DAYS * (volume * option.per_call_usd + option.endpoint_usd_per_day))}</td>
              <td class="number">{usd(option.total_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {projection.break_even.length > 0 ? (
        <table data-testid="break-even">
          <thead>
            <tr>
              <th>Pair</th>
              <th>Cheaper at the start</th>
              <th class="number">Break-even day</th>
              <th class="number">Cumulative there</th>
              <th>Cheaper at the end</th>
            </tr>
          </thead>
          <tbody>
            {projection.break_even.map((pair) => (
              <tr key={`${pair.a}|${pair.b}`}>
                <td>
                  {pair.a} vs {pair.b}
                </td>
                <td>{pair.cheaper_at_start ?? 'the same'}</td>
                <td class="number">{pair.day ?? 'none'}</td>
                <td class="number">{usd(pair.crossing_cumulative_usd)}</td>
                <td>{pair.cheaper_at_horizon ?? 'the same'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <figure>
        <figcaption>Cumulative cost, training included</figcaption>
        <ChartView config={chart as ChartConfiguration} label="Cumulative cost per option by day" height={300} />
      </figure>
    </>
  );
}
