import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { evaluateAndWait } from './helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { splitDataset, TITLE_WORDS } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
let model: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, LOG_LEVEL: 'error' });
  workers = await startWorkers(h, ['evaluation'], 2);
  version = await splitDataset(h, 'titles', 200);
  const registered = await h
    .http()
    .post('/v1/tasks/titles/model-versions')
    .set('authorization', auth)
    .send({ kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini' });
  model = registered.body.id;
});
afterEach(() => fake.reset());
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const rules = TITLE_WORDS.instructional.map((words) => ({ contains: words, answer: 'instructional' }));
const reportOf = async (id: string) =>
  (await h.http().get(`/v1/evaluations/${id}/report`).set('authorization', auth)).text;

describe('the text report', () => {
  it('prints an accuracy row when every answer is a label, and micro avg when some are not, as scikit-learn does', async () => {
    fake.script({ rules, default: 'other' });
    const clean = await evaluateAndWait(h, model, version);
    expect(clean['metrics'].failed_predictions).toBe(0);
    const cleanReport = await reportOf(clean['id']);
    expect(cleanReport).toContain('\n     accuracy                           1.00        30\n    macro avg');
    expect(cleanReport).not.toContain('micro avg');
    expect(cleanReport).toMatch(/\ncost per 1,000 classifications: \$\d+\.\d{4}\n/);

    // Unparseable answers are a value outside the labels for scikit-learn ('__failed__').
    fake.script({ rules: [...rules, { contains: 'vlog', answer: 'I am not sure' }], default: 'other' });
    const partial = await evaluateAndWait(h, model, version);
    const failed = partial['metrics'].failed_predictions as number;
    expect(failed).toBeGreaterThan(0);
    const report = await reportOf(partial['id']);
    expect(report).not.toMatch(/\n +accuracy /);
    // Micro precision is 1 (every label answered was right), recall the share of rows answered.
    const recall = ((30 - failed) / 30).toFixed(2);
    const f1 = ((2 * (30 - failed)) / (30 + 30 - failed)).toFixed(2);
    expect(report).toContain(`\n    micro avg       1.00      ${recall}      ${f1}        30\n    macro avg`);
    expect(report).toMatch(/\nno usable answer: \d+ of 30 .*unparseable answers [1-9]\d*, unknown labels 0\n/);
  });
});
