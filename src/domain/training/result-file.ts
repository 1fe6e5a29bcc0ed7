/** One point of a training curve, as stored with the fine-tune and served by the API. */
export interface CurvePoint {
  step: number;
  train_loss: number | null;
  train_accuracy: number | null;
  valid_loss: number | null;
  valid_accuracy: number | null;
}

const number = (value: string | undefined): number | null => {
  if (value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
};

/**
 * A fine-tuning result file (`step_metrics.csv`, delivered base64-encoded) as a loss / accuracy
 * curve. Columns are found by header name, because newer jobs add columns.
 */
export function parseStepMetrics(content: string): CurvePoint[] {
  const trimmed = content.trim();
  // Plain CSV has a header naming `step`; anything else is the base64 the provider delivers.
  const plain = (trimmed.split(/\r?\n/, 1)[0] ?? '').split(',').some((name) => name.trim() === 'step');
  const csv = plain ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8').trim();
  const [header, ...lines] = csv.split(/\r?\n/);
  if (!header) return [];
  const columns = header.split(',').map((name) => name.trim());
  const at = (cells: string[], name: string) => cells[columns.indexOf(name)];
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const cells = line.split(',');
      return {
        step: number(at(cells, 'step')) ?? 0,
        train_loss: number(at(cells, 'train_loss')),
        train_accuracy: number(at(cells, 'train_accuracy')),
        valid_loss: number(at(cells, 'valid_loss')),
        valid_accuracy: number(at(cells, 'valid_mean_token_accuracy') ?? at(cells, 'valid_accuracy')),
      };
    });
}
