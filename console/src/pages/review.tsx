import { newIdempotencyKey, type ResponseBody, unwrap } from '@tuneline/client';
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { Loaded } from '../components/loading.js';
import { ProblemView } from '../components/problem-view.js';
import { TaskTabs } from '../components/task-tabs.js';
import { decimal, percent } from '../format.js';
import { type Decisions, decide, overridesOf, undo } from '../review-decisions.js';
import { useCan, useSession } from '../session.js';
import { useResource } from '../use-resource.js';
import './datasets.css';
import './review.css';

type Queue = ResponseBody<'/v1/dataset-versions/{version}/review-queue'>;
type Item = Queue['data'][number];
type Reviewed = ResponseBody<'/v1/dataset-versions/{version}/reviews', 'post'>;

const PAGE = 50;
const REASONS: Record<Item['reasons'][number], string> = {
  llm_disagrees: 'the LLM chose another label',
  low_llm_confidence: 'the LLM doubts this label',
  out_of_fold_disagrees: 'a model trained without this row disagrees',
};

export function ReviewPage() {
  const { version } = useRoute().params as { version: string };
  const context = useResource(
    async (client) => {
      const value = await unwrap(client.GET('/v1/dataset-versions/{version}', { params: { path: { version } } }));
      const dataset = await unwrap(
        client.GET('/v1/datasets/{dataset}', { params: { path: { dataset: value.dataset_id } } }),
      );
      const task = await unwrap(client.GET('/v1/tasks/{task}', { params: { path: { task: dataset.task_id } } }));
      return { version: value, dataset, task };
    },
    [version],
  );
  const queue = useResource(
    (client) =>
      unwrap(
        client.GET('/v1/dataset-versions/{version}/review-queue', {
          params: { path: { version }, query: { limit: PAGE } },
        }),
      ),
    [version],
  );

  return (
    <section>
      {context.data ? <TaskTabs task={context.data.task.slug} /> : null}
      <h1>
        Review{' '}
        {context.data ? (
          <a href={`/console/dataset-versions/${version}`}>
            {context.data.dataset.name} #{context.data.version.number}
          </a>
        ) : null}
      </h1>
      {queue.loading && !queue.data ? (
        <p class="hint">Ranking the rows (the first time, a local model is cross-validated over this version)…</p>
      ) : null}
      <Loaded resource={context}>
        {(value) => (
          <Loaded resource={queue}>
            {(first) => (
              <ReviewQueue
                key={version}
                version={version}
                first={first}
                labels={value.task.labels.map((label) => label.name)}
              />
            )}
          </Loaded>
        )}
      </Loaded>
    </section>
  );
}

function ReviewQueue({ version, first, labels }: { version: string; first: Queue; labels: string[] }) {
  const { client } = useSession();
  const canWrite = useCan('write');
  const [more, setMore] = useState<{ rows: Item[]; cursor: string | null } | null>(null);
  const rows = [...first.data, ...(more?.rows ?? [])];
  const cursor = more ? more.cursor : first.next_cursor;
  const [selected, setSelected] = useState(0);
  const [decisions, setDecisions] = useState<Decisions>(new Map());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<Reviewed | null>(null);
  const { changes, confirmations } = overridesOf(rows, decisions);

  const choose = (index: number, label: string) => {
    const row = rows[index];
    if (!row) return;
    setDecisions((current) => decide(current, row.example_id, label));
    // Moving on after a decision keeps the hands on the keys.
    setSelected(Math.min(index + 1, rows.length - 1));
  };
  const forget = (index: number) => {
    const row = rows[index];
    if (row) setDecisions((current) => undo(current, row.example_id));
  };

  const loadMore = async () => {
    if (!cursor) return;
    setError(null);
    try {
      const page = await unwrap(
        client.GET('/v1/dataset-versions/{version}/review-queue', {
          params: { path: { version }, query: { limit: PAGE, cursor } },
        }),
      );
      setMore({ rows: [...(more?.rows ?? []), ...page.data], cursor: page.next_cursor });
    } catch (problem) {
      setError(problem);
    }
  };

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const created = await unwrap(
        client.POST('/v1/dataset-versions/{version}/reviews', {
          params: { path: { version }, header: { 'idempotency-key': newIdempotencyKey() } },
          body: { overrides: [...changes, ...confirmations], reviewer: 'human' },
        }),
      );
      setResult(created);
      setDecisions(new Map());
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  // One listener for the page; it reads the latest state through a ref rather than re-subscribing.
  const onKey = useRef<(event: KeyboardEvent) => void>(() => {});
  onKey.current = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
    const row = rows[selected];
    if (event.key === 'j' || event.key === 'ArrowDown') setSelected(Math.min(selected + 1, rows.length - 1));
    else if (event.key === 'k' || event.key === 'ArrowUp') setSelected(Math.max(selected - 1, 0));
    else if (!canWrite || !row) return;
    else if (event.key === 'a') choose(selected, row.current_label);
    else if (event.key === 'u') forget(selected);
    else if (/^[1-9]$/.test(event.key) && labels[Number(event.key) - 1] !== undefined)
      choose(selected, labels[Number(event.key) - 1] as string);
    else return;
    event.preventDefault();
  };
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey.current(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  if (rows.length === 0)
    return (
      <p class="hint" data-testid="queue-empty">
        Nothing to review: no row of this version looks mislabeled ({first.cross_validation.status} cross-validation
        {first.cross_validation.reason ? `: ${first.cross_validation.reason}` : ''}).
      </p>
    );

  return (
    <div class="review">
      <ol class="review-queue" data-testid="review-queue">
        {rows.map((row, index) => (
          <ReviewRow
            key={row.example_id}
            row={row}
            index={index}
            labels={labels}
            decision={decisions.get(row.example_id)}
            selected={index === selected}
            canWrite={canWrite}
            onSelect={() => setSelected(index)}
            onChoose={(label) => choose(index, label)}
            onUndo={() => forget(index)}
          />
        ))}
        {cursor ? (
          <li>
            <button type="button" class="secondary" onClick={loadMore}>
              Load more rows
            </button>
          </li>
        ) : null}
      </ol>
      <aside class="review-side">
        <Legend labels={labels} canWrite={canWrite} />
        <p class="hint" data-testid="review-summary">
          {rows.length} rows · {changes.length} changed · {confirmations.length} accepted
        </p>
        <p class="hint">
          Cross-validation {first.cross_validation.status}
          {first.cross_validation.status === 'ran'
            ? ` (${first.cross_validation.folds} folds over ${first.cross_validation.rows} rows)`
            : first.cross_validation.reason
              ? `: ${first.cross_validation.reason}`
              : ''}
        </p>
        {canWrite ? (
          <>
            <button
              type="button"
              data-testid="submit-review"
              disabled={busy || changes.length + confirmations.length === 0}
              onClick={submit}
            >
              {busy ? 'Submitting…' : `Submit review (${changes.length} changes)`}
            </button>
            {confirmations.length > 0 ? (
              <p class="hint">and {confirmations.length} accepted label(s), kept and marked as checked by a person</p>
            ) : null}
          </>
        ) : (
          <p class="hint" data-testid="read-only">
            This key can read only: reviewing needs the write scope.
          </p>
        )}
        {error ? <ProblemView error={error} /> : null}
        {result ? (
          <p class="review-result" data-testid="review-result">
            Saved as{' '}
            <a href={`/console/dataset-versions/${result.id}`} data-version-id={result.id}>
              version #{result.number}
            </a>{' '}
            ({String(result.params['overrides'] ?? '')} rows reviewed).{' '}
            <a href={`/console/dataset-versions/${result.id}/review`}>Review that version</a>
          </p>
        ) : null}
      </aside>
    </div>
  );
}

function ReviewRow(props: {
  row: Item;
  index: number;
  labels: string[];
  decision: string | undefined;
  selected: boolean;
  canWrite: boolean;
  onSelect(): void;
  onChoose(label: string): void;
  onUndo(): void;
}) {
  const { row, decision } = props;
  const element = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (props.selected) element.current?.scrollIntoView?.({ block: 'nearest' });
  }, [props.selected]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the page's own shortcuts move between rows
    <li
      ref={element}
      class={`review-row${props.selected ? ' selected' : ''}${decision !== undefined ? ' decided' : ''}`}
      data-testid={`row-${props.index}`}
      data-example-id={row.example_id}
      aria-current={props.selected ? 'true' : undefined}
      onClick={props.onSelect}
    >
      <div class="review-text">{row.text}</div>
      <div class="review-facts">
        <span>
          label <strong data-testid="current-label">{row.current_label}</strong>
          {row.label_source ? <span class="badge">{row.label_source}</span> : null}
        </span>
        <span>
          LLM {row.llm_label === null ? '—' : <strong data-testid="llm-label">{row.llm_label}</strong>}
          {row.llm_confidence !== null ? ` (${percent(row.llm_confidence, 0)} in the current label)` : ''}
        </span>
        {row.suggested_label ? (
          <span>
            suggested <strong>{row.suggested_label}</strong>
          </span>
        ) : null}
        <span title="Estimated 1 − p(current label)">
          error score <strong data-testid="score">{decimal(row.score, 2)}</strong>
        </span>
        <span class="hint">{row.reasons.map((reason) => REASONS[reason]).join('; ')}</span>
        {decision === undefined ? null : decision === row.current_label ? (
          <span class="badge good" data-testid="decision">
            ✓ accepted
          </span>
        ) : (
          <span class="badge bad" data-testid="decision">
            → {decision}
          </span>
        )}
      </div>
      {props.canWrite ? (
        <div class="review-buttons">
          {props.labels.map((label, index) => (
            <button
              key={label}
              type="button"
              class={label === decision ? undefined : 'secondary'}
              onClick={(event) => {
                event.stopPropagation();
                props.onChoose(label);
              }}
            >
              {index < 9 ? `${index + 1} ` : ''}
              {label}
            </button>
          ))}
          <button
            type="button"
            class="secondary"
            onClick={(event) => {
              event.stopPropagation();
              props.onChoose(row.current_label);
            }}
          >
            Accept
          </button>
          {decision !== undefined ? (
            <button
              type="button"
              class="link"
              onClick={(event) => {
                event.stopPropagation();
                props.onUndo();
              }}
            >
              Undo
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function Legend({ labels, canWrite }: { labels: string[]; canWrite: boolean }) {
  return (
    <dl class="legend" data-testid="shortcut-legend">
      <dt>
        <kbd>j</kbd> <kbd>↓</kbd> / <kbd>k</kbd> <kbd>↑</kbd>
      </dt>
      <dd>next / previous row</dd>
      {canWrite ? (
        <>
          <dt>
            <kbd>a</kbd>
          </dt>
          <dd>accept the current label</dd>
          {labels.slice(0, 9).map((label, index) => (
            <Fragment key={label}>
              <dt>
                <kbd>{index + 1}</kbd>
              </dt>
              <dd>set “{label}”</dd>
            </Fragment>
          ))}
          <dt>
            <kbd>u</kbd>
          </dt>
          <dd>undo the row’s decision</dd>
        </>
      ) : null}
      <dd class="hint">A decision moves on to the next row.</dd>
    </dl>
  );
}
