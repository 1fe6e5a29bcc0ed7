import { type PageItem, unwrap } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { TaskTabs } from '../components/task-tabs.js';
import { allVersions, type DatasetVersion, lineageTree, operationDetail } from '../dataset-versions.js';
import { count, when } from '../format.js';
import { useResource } from '../use-resource.js';
import './datasets.css';

type Dataset = PageItem<'/v1/tasks/{task}/datasets'>;

export function DatasetsPage() {
  const { task } = useRoute().params as { task: string };
  const info = useResource((client) => unwrap(client.GET('/v1/tasks/{task}', { params: { path: { task } } })), [task]);
  const datasets = useResource(
    async (client) => {
      const list: Dataset[] = [];
      for await (const dataset of client.paginate('/v1/tasks/{task}/datasets', {
        path: { task },
        query: { limit: 100 },
      }))
        list.push(dataset);
      return list;
    },
    [task],
  );

  return (
    <section>
      <TaskTabs task={task} title={info.data?.slug} />
      <Loaded resource={datasets}>
        {(list) =>
          list.length === 0 ? (
            <p class="hint">No datasets yet: upload one with POST /v1/tasks/{task}/datasets.</p>
          ) : (
            list.map((dataset) => <DatasetLineage key={dataset.id} dataset={dataset} />)
          )
        }
      </Loaded>
    </section>
  );
}

function DatasetLineage({ dataset }: { dataset: Dataset }) {
  const versions = useResource((client) => allVersions(client, dataset.id), [dataset.id]);
  return (
    <div class="dataset" data-testid={`dataset-${dataset.name}`}>
      <h2>
        {dataset.name} <span class="hint">created {when(dataset.created_at)}</span>
      </h2>
      {dataset.description ? <p class="hint">{dataset.description}</p> : null}
      <Loaded resource={versions}>{(list) => <LineageTable versions={list} />}</Loaded>
    </div>
  );
}

function LineageTable({ versions }: { versions: DatasetVersion[] }) {
  const numbers = new Map(versions.map((version) => [version.id, version.number]));
  return (
    <table class="lineage" data-testid="lineage">
      <thead>
        <tr>
          <th>Version</th>
          <th>Operation</th>
          <th>Parent</th>
          <th class="number">Rows</th>
          <th class="number">Labeled</th>
          <th class="number">Unlabeled</th>
          <th class="number">Duplicates</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {lineageTree(versions).map(({ version, depth }) => (
          <tr key={version.id} data-testid={`version-${version.number}`}>
            <td>
              {/* The indent draws the tree: a version sits under the one it was made from. */}
              <span class="lineage-step" style={{ paddingLeft: `${depth * 1.2}rem` }}>
                {depth > 0 ? '└ ' : ''}
                <a href={`/console/dataset-versions/${version.id}`}>#{version.number}</a>
              </span>
            </td>
            <td>
              <span class={`operation operation-${version.operation}`}>{version.operation}</span>{' '}
              <span class="hint">{operationDetail(version)}</span>
            </td>
            <td>{version.parent_id ? `#${numbers.get(version.parent_id) ?? '?'}` : '—'}</td>
            <td class="number">{count(version.row_count)}</td>
            <td class="number">{count(version.stats.labeled)}</td>
            <td class="number">{count(version.stats.unlabeled)}</td>
            <td class="number">{count(version.stats.duplicate_count)}</td>
            <td>{when(version.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
