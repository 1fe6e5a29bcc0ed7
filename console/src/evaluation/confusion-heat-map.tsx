import { type ResponseBody, unwrap } from '@tuneline/client';
import { useEffect, useState } from 'preact/hooks';
import { ProblemView } from '../components/problem-view.js';
import { count, percent } from '../format.js';
import { useSession } from '../session.js';

type Prediction = ResponseBody<'/v1/evaluations/{evaluation}/predictions'>['data'][number];
interface Pair {
  truth: string;
  predicted: string;
}

const PAGE_SIZE = 25;

/**
 * The confusion matrix as a heat map (rows are true labels, columns predictions): a cell's shade
 * scales with its count against the largest cell, and clicking it lists the rows behind it.
 */
export function ConfusionHeatMap({
  evaluation,
  labels,
  matrix,
}: {
  evaluation: string;
  labels: string[];
  matrix: number[][];
}) {
  const [chosen, setChosen] = useState<Pair | null>(null);
  const largest = Math.max(1, ...matrix.flat());
  return (
    <div class="heat-map-area">
      <table class="heat-map" data-testid="confusion-matrix">
        <thead>
          <tr>
            <th class="corner">true ↓ / predicted →</th>
            {labels.map((label) => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((truth, i) => (
            <tr key={truth}>
              <th scope="row">{truth}</th>
              {labels.map((predicted, j) => {
                const value = matrix[i]?.[j] ?? 0;
                const share = value / largest;
                const selected = chosen?.truth === truth && chosen.predicted === predicted;
                return (
                  <td
                    key={predicted}
                    data-testid={`cell-${truth}-${predicted}`}
                    class={`heat-cell${i === j ? ' diagonal' : ''}${selected ? ' selected' : ''}`}
                    style={{
                      background: `rgba(47, 111, 222, ${(0.06 + 0.94 * share).toFixed(3)})`,
                      color: share > 0.55 ? '#fff' : undefined,
                    }}
                  >
                    <button
                      type="button"
                      class="cell-button"
                      aria-label={`${count(value)} rows true ${truth}, predicted ${predicted}`}
                      aria-pressed={selected}
                      onClick={() => setChosen(selected ? null : { truth, predicted })}
                    >
                      {value}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {chosen ? <CellRows evaluation={evaluation} pair={chosen} onClose={() => setChosen(null)} /> : null}
    </div>
  );
}

/** The rows of one cell with their texts, a page at a time. */
function CellRows({ evaluation, pair, onClose }: { evaluation: string; pair: Pair; onClose(): void }) {
  const { client } = useSession();
  const [rows, setRows] = useState<Prediction[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = async (from: string | null, previous: Prediction[], stillWanted: () => boolean = () => true) => {
    setLoading(true);
    setError(null);
    try {
      const page = await unwrap(
        client.GET('/v1/evaluations/{evaluation}/predictions', {
          params: {
            path: { evaluation },
            query: {
              true_label: pair.truth,
              predicted_label: pair.predicted,
              limit: PAGE_SIZE,
              ...(from ? { cursor: from } : {}),
            },
          },
        }),
      );
      if (!stillWanted()) return;
      setRows([...previous, ...page.data]);
      setCursor(page.next_cursor);
    } catch (problem) {
      if (stillWanted()) setError(problem);
    } finally {
      if (stillWanted()) setLoading(false);
    }
  };

  useEffect(() => {
    // Another cell clicked before this one's rows came: drop the late answer.
    let current = true;
    setRows([]);
    setCursor(null);
    void load(null, [], () => current);
    return () => {
      current = false;
    };
  }, [evaluation, pair.truth, pair.predicted]);

  return (
    <section class="cell-rows" data-testid="cell-rows" aria-label="Rows of the chosen cell">
      <header>
        <h3>
          True <code>{pair.truth}</code>, predicted <code>{pair.predicted}</code>
        </h3>
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </header>
      {error ? <ProblemView error={error} /> : null}
      {rows.length === 0 && !loading && !error ? <p class="hint">No rows.</p> : null}
      {rows.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th class="number">#</th>
              <th>Text</th>
              <th class="number">Confidence</th>
              <th>Label now</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.seq} data-testid="cell-row">
                <td class="number">{row.seq}</td>
                <td class="row-text">{row.text}</td>
                <td class="number">{percent(row.confidence)}</td>
                <td>
                  {row.current_label ?? '—'}
                  {row.current_label !== null && row.current_label !== row.true_label ? (
                    <span class="badge">relabelled</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {loading ? <p class="hint">Loading…</p> : null}
      {cursor && !loading ? (
        <button type="button" class="secondary" onClick={() => load(cursor, rows)}>
          More
        </button>
      ) : null}
    </section>
  );
}
