import { type ResponseBody, unwrap } from '@tuneline/client';
import { useLocation, useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { TaskTabs } from '../components/task-tabs.js';
import { decimal, ms, percent, shortId, usd } from '../format.js';
import { useResource } from '../use-resource.js';
import './evaluation.css';

type Leaderboard = ResponseBody<'/v1/tasks/{task}/leaderboard'>;
type Entry = Leaderboard['entries'][number];
type Split = 'train' | 'validation' | 'test';
interface RowSet {
  dataset_version_id: string;
  split: Split;
}

const SIGNIFICANCE = 0.05;
const MAX_EVALUATIONS_READ = 500;
const MAX_CHOICES = 20;
const SPLITS: readonly string[] = ['train', 'validation', 'test'];

/**
 * A leaderboard compares models on the same rows: one dataset version's split. The choices are the
 * ones the task's completed evaluations ran on, the latest first; the chosen one is in the address.
 */
export function LeaderboardPage() {
  const { task } = useRoute().params as { task: string };
  const { query, path, route } = useLocation();
  const evaluated = useResource(
    async (client) => {
      const sets = new Map<string, RowSet>();
      let read = 0;
      for await (const evaluation of client.paginate('/v1/tasks/{task}/evaluations', {
        path: { task },
        query: { limit: 100 },
      })) {
        // The recent ones are the choices that matter; a long history is not read to its end.
        if (++read > MAX_EVALUATIONS_READ) break;
        if (evaluation.status !== 'completed' || !SPLITS.includes(evaluation.split)) continue;
        const set = { dataset_version_id: evaluation.dataset_version_id, split: evaluation.split as Split };
        sets.set(`${set.dataset_version_id}:${set.split}`, set);
        if (sets.size >= MAX_CHOICES) break;
      }
      return [...sets.values()];
    },
    [task],
  );
  const sets = evaluated.data ?? [];
  const chosen: RowSet | undefined = query['dataset_version_id']
    ? { dataset_version_id: query['dataset_version_id'], split: (query['split'] as Split | undefined) ?? 'test' }
    : sets[0];
  const choose = (key: string) => {
    const [version, split] = key.split(':');
    route(`${path}?dataset_version_id=${version}&split=${split}`, true);
  };

  return (
    <section>
      <TaskTabs task={task} />
      <h1>Leaderboard</h1>
      <Loaded resource={evaluated}>
        {() =>
          chosen ? (
            <>
              <label>
                Rows
                <select
                  aria-label="Dataset version and split"
                  value={`${chosen.dataset_version_id}:${chosen.split}`}
                  onChange={(event) => choose(event.currentTarget.value)}
                >
                  {[
                    chosen,
                    ...sets.filter(
                      (set) => set.dataset_version_id !== chosen.dataset_version_id || set.split !== chosen.split,
                    ),
                  ].map((set) => (
                    <option
                      key={`${set.dataset_version_id}:${set.split}`}
                      value={`${set.dataset_version_id}:${set.split}`}
                    >
                      version {shortId(set.dataset_version_id)}, {set.split} split
                    </option>
                  ))}
                </select>
              </label>
              <Board task={task} rows={chosen} />
            </>
          ) : (
            <p class="hint">No completed evaluations yet: evaluate models to rank them.</p>
          )
        }
      </Loaded>
    </section>
  );
}

function Board({ task, rows }: { task: string; rows: RowSet }) {
  const board = useResource(
    (client) =>
      unwrap(
        client.GET('/v1/tasks/{task}/leaderboard', {
          params: { path: { task }, query: { dataset_version_id: rows.dataset_version_id, split: rows.split } },
        }),
      ),
    [task, rows.dataset_version_id, rows.split],
  );
  return <Loaded resource={board}>{(value) => <BoardTable board={value} />}</Loaded>;
}

function BoardTable({ board }: { board: Leaderboard }) {
  if (board.entries.length === 0) return <p class="hint">No completed evaluations on these rows.</p>;
  return (
    <>
      <p class="hint">
        Ranked by <strong>{board.metric}</strong> on {board.rows} rows. McNemar: an exact test of each model against the
        champion on the rows where exactly one of the two is right; significant below p = {SIGNIFICANCE}.
      </p>
      <table data-testid="leaderboard">
        <thead>
          <tr>
            <th class="number">#</th>
            <th>Model</th>
            <th class="number">{board.metric}</th>
            <th class="number">Accuracy</th>
            <th class="number">Macro F1</th>
            <th class="number">Cost / 1,000</th>
            <th class="number">Latency p50 / p95</th>
            <th class="number">Failures</th>
            <th>Against the champion (McNemar)</th>
          </tr>
        </thead>
        <tbody>
          {board.entries.map((entry) => (
            <BoardRow key={entry.evaluation_id} entry={entry} champion={entry.model.id === board.champion_id} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function BoardRow({ entry, champion }: { entry: Entry; champion: boolean }) {
  const latency = entry.latency_ms as { p50?: number; p95?: number } | null;
  return (
    <tr data-testid={`entry-${entry.model.id}`} class={champion ? 'champion' : undefined}>
      <td class="number" data-testid="rank">
        {entry.rank}
      </td>
      <td>
        <a href={`/console/evaluations/${entry.evaluation_id}`} data-testid="model">
          {entry.model.name}
        </a>
        {champion ? (
          <span class="badge good" data-testid="champion-mark">
            champion
          </span>
        ) : null}
        <div class="hint">
          {entry.model.kind} · {entry.model.provider} · {entry.model.model}
        </div>
      </td>
      <td class="number" data-testid="score">
        {decimal(entry.score)}
      </td>
      <td class="number">{percent(entry.accuracy)}</td>
      <td class="number">{decimal(entry.macro_f1)}</td>
      <td class="number" data-testid="cost">
        {usd(entry.cost_per_1000)}
      </td>
      <td class="number">
        {ms(latency?.p50)} / {ms(latency?.p95)}
      </td>
      <td class="number">{percent(entry.failure_rate)}</td>
      <td data-testid="mcnemar">
        <McNemar entry={entry} champion={champion} />
      </td>
    </tr>
  );
}

function McNemar({ entry, champion }: { entry: Entry; champion: boolean }) {
  if (champion) return <span class="hint">the champion</span>;
  const test = entry.versus_champion;
  if (!test) return <span class="hint">no comparison</span>;
  const significant = test.p_value < SIGNIFICANCE;
  const better = test.only_this_right > test.only_champion_right;
  return (
    <>
      p = {formatP(test.p_value)}
      {significant ? (
        <span class={`badge ${better ? 'good' : 'bad'}`}>
          {better ? 'significantly better' : 'significantly worse'}
        </span>
      ) : (
        <span class="badge">not significant</span>
      )}
      <div class="hint">
        only this right {test.only_this_right} · only the champion right {test.only_champion_right}
      </div>
    </>
  );
}

const formatP = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
