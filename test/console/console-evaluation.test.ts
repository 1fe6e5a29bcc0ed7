import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, listen, screenshot, signedIn } from '../helpers/console-browser.js';
import { evaluateAndWait } from '../helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from '../helpers/harness.js';
import { splitDataset } from '../helpers/training.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
let browser: Browser;
let baseUrl: string;
let version: string;
const auth = bearer(ADMIN_KEY);

interface Prediction {
  seq: number;
  text: string;
  true_label: string;
  predicted: string | null;
}
interface Average {
  precision: number;
  recall: number;
  f1_score: number;
  support: number;
}
interface Metrics {
  confusion_matrix: { labels: string[]; matrix: number[][] };
  report: { labels: ({ label: string } & Average)[]; macro_avg: Average; weighted_avg: Average };
  calibration: { expected_calibration_error: number; ece_bins: number; reliability: { rows: number }[] };
}

const api = async (path: string) => {
  const response = await h.http().get(path).set('authorization', auth);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
};

async function register(body: Record<string, unknown>): Promise<string> {
  const response = await h.http().post('/v1/tasks/titles/model-versions').set('authorization', auth).send(body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** Every prediction of an evaluation in one cell of its confusion matrix, all pages. */
async function cellPredictions(evaluation: string, truth: string, predicted: string): Promise<Prediction[]> {
  const rows: Prediction[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ true_label: truth, predicted_label: predicted, limit: '7' });
    if (cursor) query.set('cursor', cursor);
    const page: { data: Prediction[]; next_cursor: string | null } = await api(
      `/v1/evaluations/${evaluation}/predictions?${query}`,
    );
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

const texts = (page: Page, testid: string) => page.getByTestId(testid).allTextContents();
const decimal = (value: number) => value.toFixed(3);
// The console's rounding of dollars (console/src/format.ts).
const usd = (value: number) => `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 4 : 2)}`;

// Two real evaluations by the evaluation workers: a zero-shot prompt (weak, so its matrix has
// mistakes) and a few-shot one the policy promotes, so the leaderboard has a champion to test against.
let weak: { model: string; evaluation: string; metrics: Metrics };
let strong: { model: string; evaluation: string };

beforeAll(async () => {
  h = await createHarness();
  workers = await startWorkers(h, ['evaluation'], 4);
  baseUrl = await listen(h);
  browser = await launchBrowser();
  version = await splitDataset(h, 'titles', 400);
  await h
    .http()
    .patch('/v1/tasks/titles/routing')
    .set('authorization', auth)
    .send({ min_test_size: 20, min_improvement: 0.01 })
    .expect(200);
});
afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await h?.close();
});

describe('console: an evaluation and the leaderboard', () => {
  it('evaluates two models through the API and workers', async () => {
    const weakModel = await register({ kind: 'prompt', provider: 'local', name: 'zero-shot' });
    const weakEvaluation = await evaluateAndWait(h, weakModel, version);
    expect(weakEvaluation['status']).toBe('completed');
    weak = { model: weakModel, evaluation: weakEvaluation['id'] as string, metrics: weakEvaluation['metrics'] };
    const strongModel = await register({
      kind: 'prompt',
      provider: 'local',
      name: 'few-shot',
      few_shot_from: { dataset_version_id: version, k: 60 },
    });
    const strongEvaluation = await evaluateAndWait(h, strongModel, version);
    expect(strongEvaluation['status']).toBe('completed');
    strong = { model: strongModel, evaluation: strongEvaluation['id'] as string };
    await expect.poll(async () => (await api('/v1/tasks/titles/routing')).champion_id).toBe(strongModel);
  });

  it('draws the confusion matrix cell by cell as the API has it, and a cell lists exactly its rows', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/evaluations/${weak.evaluation}`);
    const { labels, matrix } = weak.metrics.confusion_matrix;
    await page.getByTestId('confusion-matrix').waitFor();
    for (const [i, truth] of labels.entries()) {
      for (const [j, predicted] of labels.entries()) {
        await expect(page.getByTestId(`cell-${truth}-${predicted}`).textContent()).resolves.toBe(String(matrix[i]![j]));
      }
    }
    // The zero-shot model makes mistakes, so some off-diagonal cell is not empty; the largest
    // takes more than one page of rows ("More"). Then the largest other cell.
    const cells = labels
      .flatMap((truth, i) => labels.map((predicted, j) => ({ truth, predicted, n: matrix[i]![j]! })))
      .sort((a, b) => b.n - a.n);
    const mistake = cells.find((cell) => cell.truth !== cell.predicted && cell.n > 0);
    expect(mistake).toBeDefined();
    const other = cells.find((cell) => cell !== mistake && cell.n > 0)!;
    expect(Math.max(mistake!.n, other.n)).toBeGreaterThan(25);
    for (const cell of [mistake!, other]) {
      const expected = await cellPredictions(weak.evaluation, cell.truth, cell.predicted);
      expect(expected).toHaveLength(cell.n);
      await page.getByTestId(`cell-${cell.truth}-${cell.predicted}`).getByRole('button').click();
      const panel = page.getByTestId('cell-rows');
      await expect.poll(() => panel.textContent()).toContain(`True ${cell.truth}, predicted ${cell.predicted}`);
      await expect.poll(() => panel.getByTestId('cell-row').count()).toBeGreaterThan(0);
      while ((await panel.getByRole('button', { name: 'More' }).count()) > 0) {
        const shown = await panel.getByTestId('cell-row').count();
        await panel.getByRole('button', { name: 'More' }).click();
        await expect.poll(() => panel.getByTestId('cell-row').count()).toBeGreaterThan(shown);
      }
      await expect.poll(() => panel.getByTestId('cell-row').count()).toBe(cell.n);
      await expect(panel.locator('.row-text').allTextContents()).resolves.toEqual(expected.map((row) => row.text));
      expect(expected.every((row) => row.true_label === cell.truth && row.predicted === cell.predicted)).toBe(true);
    }
    // Shown again for the screenshot: the mistakes with their texts.
    await page.getByTestId(`cell-${mistake!.truth}-${mistake!.predicted}`).getByRole('button').click();
    await expect.poll(() => page.getByTestId('cell-row').count()).toBeGreaterThan(0);
    await page.getByTestId('bins-ece').waitFor();
    await screenshot(page, 'evaluation');
    await page.context().close();
  }, 90_000);

  it('lists per-class precision, recall, F1 and support, and the calibration the API computed', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/evaluations/${weak.evaluation}`);
    const { report, calibration } = weak.metrics;
    const rows = [
      ...report.labels.map((row) => [`class-${row.label}`, row] as const),
      ['class-macro-avg', report.macro_avg] as const,
      ['class-weighted-avg', report.weighted_avg] as const,
    ];
    await page.getByTestId('class-report').waitFor();
    for (const [testid, scores] of rows) {
      await expect(page.getByTestId(testid).locator('td').allTextContents()).resolves.toEqual([
        decimal(scores.precision),
        decimal(scores.recall),
        decimal(scores.f1_score),
        scores.support.toLocaleString('en-US'),
      ]);
    }
    const ece = decimal(calibration.expected_calibration_error);
    await expect(page.getByTestId('ece').textContent()).resolves.toContain(ece);
    // The diagram draws the API's bins: the same rows per bin, and their ECE is the API's own.
    const bins = calibration.reliability;
    expect(bins).toHaveLength(calibration.ece_bins);
    await expect
      .poll(() => page.getByTestId('bins-ece').textContent())
      .toContain(`Rows per bin: ${bins.map((bin) => bin.rows).join(' · ')}. ECE of these bins: ${ece}`);
    await page.context().close();
  });

  it('ranks the models as the leaderboard does, with the champion marked and McNemar against it', async () => {
    const board = await api(`/v1/tasks/titles/leaderboard?dataset_version_id=${version}&split=test`);
    expect(board.entries).toHaveLength(2);
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, '/console/tasks/titles/leaderboard');
    await page.getByTestId('leaderboard').waitFor();
    expect(await page.locator('[data-testid="leaderboard"] tbody tr').count()).toBe(board.entries.length);
    await expect(texts(page, 'model')).resolves.toEqual(
      board.entries.map((entry: { model: { name: string } }) => entry.model.name),
    );
    for (const entry of board.entries) {
      const row = page.getByTestId(`entry-${entry.model.id}`);
      await expect(row.getByTestId('rank').textContent()).resolves.toBe(String(entry.rank));
      await expect(row.getByTestId('score').textContent()).resolves.toBe(decimal(entry.score));
      await expect(row.getByTestId('cost').textContent()).resolves.toBe(usd(entry.cost_per_1000));
      const champion = entry.model.id === board.champion_id;
      expect(await row.getByTestId('champion-mark').count()).toBe(champion ? 1 : 0);
      const mcnemar = await row.getByTestId('mcnemar').textContent();
      if (champion) expect(mcnemar).toBe('the champion');
      else {
        const p = entry.versus_champion.p_value as number;
        expect(mcnemar).toContain(`p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`);
        expect(mcnemar).toContain(`only this right ${entry.versus_champion.only_this_right}`);
        expect(mcnemar).toContain(`only the champion right ${entry.versus_champion.only_champion_right}`);
      }
    }
    expect(board.champion_id).toBe(strong.model);
    await screenshot(page, 'leaderboard');
    await page.context().close();
  });

  it('projects the costs of the task’s model versions as the API does, and shows its problems', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, '/console/tasks/titles/cost-projections');
    const form = page.getByTestId('projection-form');
    await form.getByLabel('few-shot').check();
    await form.getByLabel('zero-shot').check();
    await form.getByLabel('Classifications a day').fill('25000');
    await form.getByLabel('Growth a day (%)').fill('1');
    await form.getByLabel('Days').fill('90');
    await form.getByRole('button', { name: 'Project' }).click();
    await page.getByTestId('projection').waitFor();
    // The same request straight to the API, its options in the order the page sent them (ties on
    // the cheapest go to the first).
    const shown = await page
      .locator('[data-testid="projection"] tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid')!.replace(/^option-/, '')));
    expect([...shown].sort()).toEqual(['few-shot', 'zero-shot']);
    const ids: Record<string, string> = { 'zero-shot': weak.model, 'few-shot': strong.model };
    const response = await h
      .http()
      .post('/v1/cost-projections')
      .set('authorization', auth)
      .send({
        daily_volume: 25_000,
        daily_growth: 0.01,
        horizon_days: 90,
        options: shown.map((name) => ({ name, model_version_id: ids[name] })),
      });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    for (const option of response.body.options) {
      const cells = await page.getByTestId(`option-${option.name}`).locator('td').allTextContents();
      expect(cells[1]).toBe(option.price_source);
      expect(cells[2]).toBe(usd(option.per_1000_usd));
      expect(cells[6]).toBe(usd(option.total_usd));
    }
    await expect(page.getByTestId('projection-summary').textContent()).resolves.toContain(
      `Cheapest at the end: ${response.body.cheapest_at_horizon}`,
    );
    await screenshot(page, 'cost-projections');
    // More days than the API projects: its problem, naming the field.
    await form.getByLabel('Days').fill('1000000');
    await form.getByRole('button', { name: 'Project' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('horizon_days');
    await page.context().close();
  });

  it('follows a queued evaluation live and shows its results when the workers finish it', async () => {
    await workers?.close();
    workers = undefined;
    const model = await register({ kind: 'prompt', provider: 'local', name: 'zero-shot again' });
    const created = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model, dataset_version_id: version });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/evaluations/${created.body.id}`);
    const live = page.getByTestId('live-progress');
    await expect.poll(() => live.textContent()).toContain('queued');
    await expect(live.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('0');
    workers = await startWorkers(h, ['evaluation'], 4);
    // No reload: the stream's end makes the page load the finished evaluation.
    await expect.poll(() => page.getByTestId('evaluation-status').textContent(), { timeout: 20_000 }).toBe('completed');
    const evaluation = await api(`/v1/evaluations/${created.body.id}`);
    const { labels, matrix } = (evaluation.metrics as Metrics).confusion_matrix;
    await expect(page.getByTestId(`cell-${labels[0]}-${labels[0]}`).textContent()).resolves.toBe(String(matrix[0]![0]));
    expect(await page.getByTestId('live-progress').count()).toBe(0);
    await page.context().close();
  });

  it('lists the task’s evaluations with links to each', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, '/console/tasks/titles/evaluations');
    await page.getByTestId('evaluations').waitFor();
    const row = page.getByTestId(`evaluation-${weak.evaluation}`);
    await expect(row.textContent()).resolves.toContain('zero-shot');
    await row.getByRole('link').click();
    await page.getByTestId('confusion-matrix').waitFor();
    expect(page.url()).toBe(`${baseUrl}/console/evaluations/${weak.evaluation}`);
    await page.context().close();
  });
});
