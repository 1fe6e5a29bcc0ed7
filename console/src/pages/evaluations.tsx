import { type ResponseBody, unwrap } from '@tuneline/client';
import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { ProgressBar } from '../components/progress-bar.js';
import { TaskTabs } from '../components/task-tabs.js';
import { isLive, metricsOf } from '../evaluation/metrics.js';
import { count, decimal, percent, shortId, usd, when } from '../format.js';
import { useInterval, useResource } from '../use-resource.js';
import './evaluation.css';

type EvaluationItem = ResponseBody<'/v1/tasks/{task}/evaluations'>['data'][number];
type ModelVersion = ResponseBody<'/v1/tasks/{task}/model-versions'>['data'][number];

const LIMIT = 100;
const REFRESH_MS = 5_000;

export function EvaluationsPage() {
  const { task } = useRoute().params as { task: string };
  const evaluations = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/evaluations', { params: { path: { task }, query: { limit: LIMIT } } })),
    [task],
  );
  const models = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/model-versions', { params: { path: { task }, query: { limit: 100 } } })),
    [task],
  );
  const names = useMemo(() => new Map((models.data?.data ?? []).map((model) => [model.id, model])), [models.data]);
  // Only while something runs: a finished list does not change by itself.
  const running = evaluations.data?.data.some((evaluation) => isLive(evaluation.status)) ?? false;
  useInterval(evaluations.reload, running ? REFRESH_MS : null);

  return (
    <section>
      <TaskTabs task={task} />
      <h1>Evaluations</h1>
      <Loaded resource={evaluations}>
        {(page) => (
          <>
            <EvaluationTable evaluations={page.data} models={names} />
            {page.next_cursor ? <p class="hint">The latest {LIMIT} evaluations.</p> : null}
          </>
        )}
      </Loaded>
    </section>
  );
}

function EvaluationTable({
  evaluations,
  models,
}: {
  evaluations: EvaluationItem[];
  models: Map<string, ModelVersion>;
}) {
  if (evaluations.length === 0) return <p class="hint">No evaluations of this task yet.</p>;
  return (
    <table data-testid="evaluations">
      <thead>
        <tr>
          <th>Evaluation</th>
          <th>Model</th>
          <th>Split</th>
          <th>Status</th>
          <th>Progress</th>
          <th class="number">Accuracy</th>
          <th class="number">Macro F1</th>
          <th class="number">Cost / 1,000</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {evaluations.map((evaluation) => {
          const metrics = metricsOf(evaluation);
          const model = models.get(evaluation.model_version_id);
          return (
            <tr key={evaluation.id} data-testid={`evaluation-${evaluation.id}`}>
              <td>
                <a href={`/console/evaluations/${evaluation.id}`}>
                  <code>{shortId(evaluation.id)}</code>
                </a>
              </td>
              <td>
                {model?.name ?? shortId(evaluation.model_version_id)}
                {model ? <div class="hint">{model.kind}</div> : null}
              </td>
              <td>
                {evaluation.split}
                <div class="hint">
                  version <code>{shortId(evaluation.dataset_version_id)}</code>
                </div>
              </td>
              <td>
                <span class={`badge status-${evaluation.status}`}>{evaluation.status}</span>
                {evaluation.error ? <div class="hint">{evaluation.error.code}</div> : null}
              </td>
              <td>
                {isLive(evaluation.status) ? (
                  <ProgressBar done={evaluation.answered} total={evaluation.total} label="Rows answered" />
                ) : (
                  `${count(evaluation.answered)} / ${count(evaluation.total)}`
                )}
              </td>
              <td class="number">{percent(metrics.report?.accuracy)}</td>
              <td class="number">{decimal(metrics.report?.macro_avg.f1_score)}</td>
              <td class="number">{usd(metrics.usage?.cost_per_1000)}</td>
              <td>{when(evaluation.created_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
