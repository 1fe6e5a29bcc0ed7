import { unwrap } from '@tuneline/client';
import { Loaded } from '../components/loading.js';
import { when } from '../format.js';
import { useResource } from '../use-resource.js';

export function TasksPage() {
  const tasks = useResource((client) => unwrap(client.GET('/v1/tasks', { params: { query: { limit: 100 } } })), []);
  return (
    <section>
      <h1>Tasks</h1>
      <Loaded resource={tasks}>
        {(page) =>
          page.data.length === 0 ? (
            <p class="hint">No tasks yet: create one with POST /v1/tasks, or run npm run demo.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Labels</th>
                  <th>Description</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((task) => (
                  <tr key={task.id}>
                    <td>
                      <a href={`/console/tasks/${task.slug}`}>{task.slug}</a>
                      {task.archived ? <span class="badge">archived</span> : null}
                    </td>
                    <td>{task.labels.map((label) => label.name).join(', ')}</td>
                    <td>{task.description ?? ''}</td>
                    <td>{when(task.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
