import { type ResponseBody, unwrap } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';
import { TaskTabs } from '../components/task-tabs.js';
import { shortId, usd, when } from '../format.js';
import { useResource } from '../use-resource.js';
import './jobs.css';

type FineTune = ResponseBody<'/v1/tasks/{task}/fine-tunes'>['data'][number];

export function FineTunesPage() {
  const { task } = useRoute().params as { task: string };
  const fineTunes = useResource(
    (client) =>
      unwrap(client.GET('/v1/tasks/{task}/fine-tunes', { params: { path: { task }, query: { limit: 100 } } })),
    [task],
  );
  return (
    <section>
      <TaskTabs task={task} />
      <h1>Fine-tunes</h1>
      <Loaded resource={fineTunes}>{(page) => <FineTuneTable fineTunes={page.data} />}</Loaded>
    </section>
  );
}

function FineTuneTable({ fineTunes }: { fineTunes: FineTune[] }) {
  if (fineTunes.length === 0) return <p class="hint">No fine-tunes yet.</p>;
  return (
    <table class="jobs" data-testid="fine-tunes">
      <thead>
        <tr>
          <th>Fine-tune</th>
          <th>Provider · base model</th>
          <th>Status</th>
          <th>Last loss</th>
          <th>Model</th>
          <th class="number">Cost</th>
          <th>Created</th>
          <th>Finished</th>
        </tr>
      </thead>
      <tbody>
        {fineTunes.map((fineTune) => {
          const last = fineTune.curve.at(-1);
          return (
            <tr key={fineTune.id}>
              <td>
                <a href={`/console/fine-tunes/${fineTune.id}`}>
                  <code>{shortId(fineTune.id)}</code>
                </a>
              </td>
              <td>
                {fineTune.provider} · {fineTune.base_model}
              </td>
              <td>
                <StatusBadge status={fineTune.status} />
              </td>
              <td>{last?.train_loss?.toFixed(4) ?? '—'}</td>
              <td>{fineTune.fine_tuned_model ?? '—'}</td>
              <td class="number">{usd(fineTune.cost_usd)}</td>
              <td>{when(fineTune.created_at)}</td>
              <td>{when(fineTune.finished_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
