import { type ResponseBody, unwrap } from '@tuneline/client';
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ChartView } from '../components/chart.js';
import { Loaded } from '../components/loading.js';
import { TaskTabs } from '../components/task-tabs.js';
import { allVersions, type DatasetVersion, operationDetail, parentChain } from '../dataset-versions.js';
import { count, decimal, when } from '../format.js';
import { useResource } from '../use-resource.js';
import './datasets.css';

type Stats = DatasetVersion['stats'];
type ExportQuery = { format: ExportFormat; split: ExportSplit };
type ExportChecks = ResponseBody<'/v1/dataset-versions/{version}/export-checks'>;
type ExportFormat = ExportChecks['format'];
type ExportSplit = 'all' | 'train' | 'validation' | 'test';

const SPLITS = ['train', 'validation', 'test', 'unassigned'] as const;
const FORMATS: ExportFormat[] = ['openai-chat', 'openai-completions', 'jsonl', 'csv'];
const EXPORT_SPLITS: ExportSplit[] = ['all', 'train', 'validation', 'test'];

export function DatasetVersionPage() {
  const { version: id } = useRoute().params as { version: string };
  const version = useResource(
    (client) => unwrap(client.GET('/v1/dataset-versions/{version}', { params: { path: { version: id } } })),
    [id],
  );
  const datasetId = version.data?.dataset_id;
  const context = useResource(
    async (client) => {
      if (!datasetId) return undefined;
      const dataset = await unwrap(client.GET('/v1/datasets/{dataset}', { params: { path: { dataset: datasetId } } }));
      const [task, versions] = await Promise.all([
        unwrap(client.GET('/v1/tasks/{task}', { params: { path: { task: dataset.task_id } } })),
        allVersions(client, datasetId),
      ]);
      return { dataset, task, versions };
    },
    [datasetId],
  );
  const labels = context.data?.task.labels.map((label) => label.name) ?? [];

  return (
    <section>
      {context.data ? <TaskTabs task={context.data.task.slug} /> : null}
      <Loaded resource={version}>
        {(value) => (
          <>
            <h1>
              {context.data?.dataset.name ?? 'Dataset'} · version #{value.number}{' '}
              <span class={`operation operation-${value.operation}`}>{value.operation}</span>
            </h1>
            <p>
              <a href={`/console/dataset-versions/${value.id}/review`} data-testid="review-link">
                Review
              </a>{' '}
              <span class="hint">the rows most likely to carry a wrong label</span>
            </p>
            <VersionFigures version={value} />
            {context.data ? <Lineage versions={context.data.versions} current={value} /> : null}
            <h2>Statistics</h2>
            <StatisticsView stats={value.stats} labels={labels.length > 0 ? labels : labelsOf(value.stats)} />
            <h2>Export checks</h2>
            <ExportChecksView version={value.id} />
          </>
        )}
      </Loaded>
    </section>
  );
}

const labelsOf = (stats: Stats): string[] => Object.keys(stats.label_distribution);

function VersionFigures({ version }: { version: DatasetVersion }) {
  const { stats } = version;
  return (
    <div class="cards" data-testid="version-figures">
      <Figure name="rows" value={count(version.row_count)} />
      <Figure name="labeled" value={count(stats.labeled)} />
      <Figure name="unlabeled" value={count(stats.unlabeled)} />
      <Figure name="duplicates" value={count(stats.duplicate_count)} />
      <Figure
        name="label sources"
        value={Object.entries(stats.label_sources)
          .map(([source, n]) => `${source} ${count(n)}`)
          .join(' · ')}
      />
      <Figure name="created" value={when(version.created_at)} note={`hash ${version.content_hash.slice(0, 12)}`} />
    </div>
  );
}

function Figure({ name, value, note }: { name: string; value: string; note?: string }) {
  return (
    <div class="card">
      <div class="card-title">{name}</div>
      <div class="card-value">{value || '—'}</div>
      {note ? <div class="hint">{note}</div> : null}
    </div>
  );
}

function Lineage({ versions, current }: { versions: DatasetVersion[]; current: DatasetVersion }) {
  const chain = parentChain(versions, current.id);
  const children = versions.filter((version) => version.parent_id === current.id);
  return (
    <>
      <h2>Lineage</h2>
      <ol class="chain" data-testid="parent-chain">
        {chain.map((step) => (
          <li key={step.id} class={step.id === current.id ? 'current' : undefined}>
            <a href={`/console/dataset-versions/${step.id}`}>#{step.number}</a>{' '}
            <span class={`operation operation-${step.operation}`}>{step.operation}</span>{' '}
            <span class="hint">{operationDetail(step)}</span>
          </li>
        ))}
      </ol>
      {children.length > 0 ? (
        <p class="hint" data-testid="children">
          Made from this version:{' '}
          {children.map((child, index) => (
            <span key={child.id}>
              {index > 0 ? ', ' : ''}
              <a href={`/console/dataset-versions/${child.id}`}>#{child.number}</a> ({child.operation})
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}

function StatisticsView({ stats, labels }: { stats: Stats; labels: string[] }) {
  const splits = SPLITS.filter((split) => stats.splits[split].rows > 0);
  const charts = useMemo(() => {
    const distribution: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels,
        datasets: splits.map((split) => ({
          label: split,
          data: labels.map((label) => stats.splits[split].label_distribution[label] ?? 0),
          stack: 'splits',
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    };
    const tokens: ChartConfiguration<'bar'> | null = stats.tokens
      ? {
          type: 'bar',
          data: {
            labels: ['min', 'p50', 'mean', 'p95', 'max'],
            datasets: [
              {
                label: `tokens per row (${stats.tokenizer_model})`,
                data: [stats.tokens.min, stats.tokens.p50, stats.tokens.mean, stats.tokens.p95, stats.tokens.max],
              },
            ],
          },
          options: { scales: { y: { beginAtZero: true } } },
        }
      : null;
    return { distribution, tokens };
  }, [stats, labels.join('\n')]);

  return (
    <>
      <div class="chart-grid">
        <figure>
          <figcaption>Labels per split</figcaption>
          <ChartView config={charts.distribution} label="Rows per label, stacked by split" />
        </figure>
        <figure>
          <figcaption>Token lengths</figcaption>
          {charts.tokens ? (
            <ChartView config={charts.tokens} label="Tokens per row: minimum, median, mean, 95th percentile, maximum" />
          ) : (
            <p class="hint">No token counts for this version.</p>
          )}
        </figure>
      </div>
      <table data-testid="label-distribution">
        <thead>
          <tr>
            <th>Label</th>
            {splits.map((split) => (
              <th key={split} class="number">
                {split}
              </th>
            ))}
            <th class="number">all</th>
          </tr>
        </thead>
        <tbody>
          {labels.map((label) => (
            <tr key={label}>
              <td>{label}</td>
              {splits.map((split) => (
                <td key={split} class="number" data-testid={`count-${split}-${label}`}>
                  {count(stats.splits[split].label_distribution[label] ?? 0)}
                </td>
              ))}
              <td class="number" data-testid={`count-all-${label}`}>
                {count(stats.label_distribution[label] ?? 0)}
              </td>
            </tr>
          ))}
          <tr>
            <td>rows</td>
            {splits.map((split) => (
              <td key={split} class="number">
                {count(stats.splits[split].rows)}
              </td>
            ))}
            <td class="number">{count(stats.row_count)}</td>
          </tr>
        </tbody>
      </table>
      {stats.tokens ? (
        <p class="hint" data-testid="token-stats">
          Tokens per row: min {count(stats.tokens.min)}, p50 {count(stats.tokens.p50)}, mean{' '}
          {decimal(stats.tokens.mean, 1)}, p95 {count(stats.tokens.p95)}, max {count(stats.tokens.max)} (
          {stats.tokenizer_model} tokenizer)
        </p>
      ) : null}
    </>
  );
}

function ExportChecksView({ version }: { version: string }) {
  const [query, setQuery] = useState<ExportQuery>({ format: 'openai-chat', split: 'all' });
  const checks = useResource(
    (client) =>
      unwrap(
        client.GET('/v1/dataset-versions/{version}/export-checks', {
          params: { path: { version }, query },
        }),
      ),
    [version, query.format, query.split],
  );
  return (
    <div data-testid="export-checks">
      <div class="export-form">
        <label>
          Format
          <select
            value={query.format}
            onChange={(event) => setQuery({ ...query, format: event.currentTarget.value as ExportFormat })}
          >
            {FORMATS.map((format) => (
              <option key={format}>{format}</option>
            ))}
          </select>
        </label>
        <label>
          Split
          <select
            value={query.split}
            onChange={(event) => setQuery({ ...query, split: event.currentTarget.value as ExportSplit })}
          >
            {EXPORT_SPLITS.map((split) => (
              <option key={split}>{split}</option>
            ))}
          </select>
        </label>
      </div>
      <Loaded resource={checks}>
        {(value) => (
          <>
            <p data-testid="export-rows">
              {count(value.rows)} rows would be exported as {value.format} ({value.split}, for {value.model}).
            </p>
            {value.warnings.length === 0 ? (
              <p class="no-warnings" data-testid="export-warnings">
                No warnings.
              </p>
            ) : (
              <ul class="warnings" data-testid="export-warnings">
                {value.warnings.map((warning) => (
                  <li key={warning.code} class="warning" data-testid={`warning-${warning.code}`}>
                    <code>{warning.code}</code>
                    {warning.message}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </div>
  );
}
