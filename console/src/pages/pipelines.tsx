import { type ResponseBody, unwrap } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';
import { TaskTabs } from '../components/task-tabs.js';
import { shortId, usd, when } from '../format.js';
import { useResource } from '../use-resource.js';
import './jobs.css';

type Pipeline = ResponseBody<'/v1/tasks/{task}/pipelines'>['data'][number];

export function PipelinesPage() {
  const { task } = useRoute().params as { task: string };
  const pipelines = useResource(
    (client) => unwrap(client.GET('/v1/tasks/{task}/pipelines', { params: { path: { task }, query: { limit: 100 } } })),
    [task],
  );
  return (
    <section>
      <TaskTabs task={task} />
      <h1>Pipelines</h1>
      <Loaded resource={pipelines}>{(page) => <PipelineTable pipelines={page.data} />}</Loaded>
    </section>
  );
}

/** Where a pipeline is: the step running or failed, else how it ended. */
const where = (pipeline: Pipeline): string => {
  const current = pipeline.steps.find((step) => step.status === 'running' || step.status === 'failed');
  if (current) return `${current.name} ${current.status}`;
  return pipeline.outcome ? pipeline.outcome.result.replace('_', ' ') : '—';
};

function PipelineTable({ pipelines }: { pipelines: Pipeline[] }) {
  if (pipelines.length === 0) return <p class="hint">No pipelines yet.</p>;
  return (
    <table class="jobs" data-testid="pipelines">
      <thead>
        <tr>
          <th>Pipeline</th>
          <th>Status</th>
          <th>Step / outcome</th>
          <th class="number">Attempt</th>
          <th class="number">Cost</th>
          <th>Created</th>
          <th>Finished</th>
        </tr>
      </thead>
      <tbody>
        {pipelines.map((pipeline) => (
          <tr key={pipeline.id}>
            <td>
              <a href={`/console/pipelines/${pipeline.id}`}>
                <code>{shortId(pipeline.id)}</code>
              </a>
              {pipeline.origin ? <span class="badge">{pipeline.origin.trigger.replace('_', ' ')}</span> : null}
            </td>
            <td>
              <StatusBadge status={pipeline.status} />
            </td>
            <td>{where(pipeline)}</td>
            <td class="number">{pipeline.attempt}</td>
            <td class="number">{usd(pipeline.cost_usd)}</td>
            <td>{when(pipeline.created_at)}</td>
            <td>{when(pipeline.finished_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
