import type { ResponseBody, TunelineClient } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { TaskTabs } from '../components/task-tabs.js';
import { count, shortId, usd, when } from '../format.js';
import { useResource } from '../use-resource.js';
import './jobs.css';

type LabelRun = ResponseBody<'/v1/dataset-versions/{version}/label-runs'>['data'][number];
interface ListedRun {
  run: LabelRun;
  /** "dataset name v3": the version the run labels. */
  source: string;
}

/** Label runs hang off dataset versions: every version of every dataset of the task, newest run first. */
async function taskLabelRuns(client: TunelineClient, task: string): Promise<ListedRun[]> {
  const listed: ListedRun[] = [];
  for await (const dataset of client.paginate('/v1/tasks/{task}/datasets', { path: { task }, query: { limit: 100 } })) {
    const versions = client.paginate('/v1/datasets/{dataset}/versions', {
      path: { dataset: dataset.id },
      query: { limit: 100 },
    });
    for await (const version of versions) {
      const runs = client.paginate('/v1/dataset-versions/{version}/label-runs', {
        path: { version: version.id },
        query: { limit: 100 },
      });
      for await (const run of runs) listed.push({ run, source: `${dataset.name} v${version.number}` });
    }
  }
  return listed.sort((a, b) => b.run.created_at.localeCompare(a.run.created_at));
}

export function LabelRunsPage() {
  const { task } = useRoute().params as { task: string };
  const runs = useResource((client) => taskLabelRuns(client, task), [task]);
  return (
    <section>
      <TaskTabs task={task} />
      <h1>Label runs</h1>
      <Loaded resource={runs}>{(listed) => <LabelRunTable runs={listed} />}</Loaded>
    </section>
  );
}

function LabelRunTable({ runs }: { runs: ListedRun[] }) {
  if (runs.length === 0) return <p class="hint">No label runs yet: start one on a dataset version.</p>;
  return (
    <table class="jobs" data-testid="label-runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Labels</th>
          <th>Provider · model · mode</th>
          <th>Status</th>
          <th>Progress</th>
          <th class="number">Failed</th>
          <th class="number">Cost</th>
          <th>Started</th>
        </tr>
      </thead>
      <tbody>
        {runs.map(({ run, source }) => (
          <tr key={run.id}>
            <td>
              <a href={`/console/label-runs/${run.id}`}>
                <code>{shortId(run.id)}</code>
              </a>
            </td>
            <td>{source}</td>
            <td>
              {run.provider} · {run.model} · {run.mode}
            </td>
            <td>
              <StatusBadge status={run.status} />
            </td>
            <td>
              <ProgressBar done={run.done} total={run.total} label={`Run ${shortId(run.id)} progress`} />
            </td>
            <td class="number">{count(run.failed)}</td>
            <td class="number">{usd(run.cost_usd)}</td>
            <td>{when(run.started_at ?? run.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
