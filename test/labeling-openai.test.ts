import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { getRun, startRun, waitForRun } from './helpers/label-runs.js';
import { createProviders } from '../src/providers/registry.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let unlabeledVersion: string;
let labeledVersion: string;

const TICKETS = [
  'I want a refund for my order',
  'The app crashes when I open settings',
  'Please refund the double charge',
  'Crash on startup after the update',
  'Can you add a dark mode?',
  'Refund request for last month',
];

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['labeling'], 4);
  await createTask(h, 'tickets', ['billing', 'bug', 'other']);
  unlabeledVersion = (
    await upload(h, '/v1/tasks/tickets/datasets?name=unlabeled', jsonl(TICKETS.map((text) => ({ text }))))
  ).body.version.id;
  const humanLabels = ['billing', 'bug', 'billing', 'bug', 'other', 'other'];
  labeledVersion = (
    await upload(
      h,
      '/v1/tasks/tickets/datasets?name=labeled',
      jsonl(TICKETS.map((text, i) => ({ text, label: humanLabels[i] }))),
    )
  ).body.version.id;
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const rules = {
  rules: [
    { contains: 'refund', answer: 'billing' },
    { contains: 'rash', answer: 'bug' },
  ],
  default: 'other',
};
const zeroShot = { provider: 'openai', model: 'gpt-4o-mini', mode: 'zero_shot' };

describe('labeling through an OpenAI-compatible provider', () => {
  it('labels with chat completions and logprobs, recording tokens, cost and confidence', async () => {
    fake.script(rules);
    const run = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(run).toMatchObject({ status: 'completed', total: 6, done: 6, labeled: 6, failed: 0, error: null });
    expect(run.input_tokens).toBeGreaterThan(6 * 20);
    // gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens (the dated price table).
    expect(run.cost_usd).toBeCloseTo((run.input_tokens * 0.15 + run.output_tokens * 0.6) / 1e6, 12);
    const rows = await allExamples(h, run.result_version_id);
    expect(rows.map((row) => row.label)).toEqual(['billing', 'bug', 'billing', 'bug', 'other', 'billing']);
    expect(rows.every((row) => row.label_source === 'llm')).toBe(true);

    const results = (await h.http().get(`/v1/label-runs/${run.id}/results`).set('authorization', bearer(ADMIN_KEY)))
      .body.data;
    for (const result of results) {
      expect(result.confidence).toBeCloseTo(0.9, 2);
      expect(result.probabilities[result.label]).toBeCloseTo(0.9, 2);
    }
    // What the provider sent: the task's instructions and labels, temperature 0, logprobs.
    const sent = fake.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(sent).toHaveLength(6);
    expect(sent[0]!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, logprobs: true, top_logprobs: 20 });
  });

  it('refuses a label run on a legacy prompt/completion model: every one of them is past its shutdown date', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${unlabeledVersion}/label-runs`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ ...zeroShot, model: 'babbage-002' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'model_shut_down',
      details: { model: 'babbage-002', shutdown_date: '2026-09-28' },
    });
    expect(fake.stats().requests.total).toBe(0);
  });

  // babbage-002 / davinci-002 (and their fine-tunes) are shut down, so no run, evaluation or new
  // model version reaches /completions any more; the classifier still speaks it (for model
  // versions registered before the shutdown), so it is checked at the provider boundary.
  it('classifies through /completions with the version’s label codes for legacy prompt/completion models', async () => {
    const codes = (
      await h.http().get(`/v1/dataset-versions/${unlabeledVersion}`).set('authorization', bearer(ADMIN_KEY))
    ).body.label_codes;
    fake.script({
      rules: [
        { contains: 'refund', answer: codes.billing },
        { contains: 'rash', answer: codes.bug },
      ],
      default: codes.other,
    });
    const prompt = {
      instructions: 'Route the ticket.',
      labels: ['billing', 'bug', 'other'].map((name) => ({ name })),
      fewShot: [],
    };
    const classifier = createProviders(h.config).classifier(
      { provider: 'openai', model: 'babbage-002', labelCodes: codes },
      prompt,
    );
    const labels = [];
    for (const ticket of TICKETS) labels.push((await classifier.classify(ticket, prompt)).label);
    expect(labels).toEqual(['billing', 'bug', 'billing', 'bug', 'other', 'billing']);
    const sent = fake.requests.filter((request) => request.path === '/v1/completions');
    expect(sent).toHaveLength(6);
    expect((sent[0]!.body as { prompt: string }).prompt.endsWith('\n\n###\n\n')).toBe(true);
  });

  it('records an answer that is not a label as unparseable instead of crashing', async () => {
    fake.script({ rules: [], default: 'I am not sure' });
    const run = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(run).toMatchObject({ status: 'completed', done: 6, labeled: 0, unparseable: 6 });
    const rows = await allExamples(h, run.result_version_id);
    expect(rows.every((row) => row.label === null)).toBe(true);
  });

  it('waits out 429s and 5xx bursts without losing or repeating an example', async () => {
    fake.script(rules);
    fake.configure({
      faults: {
        statusSequence: [
          { status: 429, code: 'rate_limit_exceeded', type: 'requests', retryAfterMs: 300 },
          { status: 503 },
          { status: 500 },
          { status: 429, code: 'rate_limit_exceeded', type: 'tokens', retryAfterMs: 300 },
        ],
      },
    });
    const run = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(run).toMatchObject({ status: 'completed', done: 6, labeled: 6, failed: 0 });
    const stats = fake.stats();
    expect(stats.faults.statusSequence).toBe(4);
    expect(stats.requests.byStatus['200']).toBe(6);
    const results = (await h.http().get(`/v1/label-runs/${run.id}/results`).set('authorization', bearer(ADMIN_KEY)))
      .body.data;
    expect(new Set(results.map((r: { example_id: string }) => r.example_id)).size).toBe(6);
  });

  it.each([
    ['insufficient_quota', { insufficientQuota: true }],
    ['model_not_found', { retiredModels: ['gpt-4o-mini'] }],
  ])('stops the run with a clear status on %s', async (code, faults) => {
    fake.script(rules);
    fake.configure({ faults });
    const run = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(run.status).toBe('failed');
    expect(run.error.code).toBe(code);
    expect(run.done).toBe(0);
    expect(run.skipped).toBe(6);
    // Not retried: one call per chunk that started before the run was marked failed.
    expect(fake.stats().requests.total).toBeLessThanOrEqual(1);
  });

  it('runs a failed run again on retry once the cause is fixed, labeling each example once', async () => {
    fake.script(rules);
    fake.configure({ faults: { insufficientQuota: true } });
    const failed = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'insufficient_quota' } });
    fake.configure({ faults: { insufficientQuota: false } });
    // The chunk job ended normally when the run failed; the retry runs it again all the same.
    const retried = await h.http().post(`/v1/label-runs/${failed.id}/retry`).set('authorization', bearer(ADMIN_KEY));
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'queued', error: null });
    const done = await waitForRun(h, failed.id);
    expect(done).toMatchObject({ status: 'completed', labeled: 6, failed: 0 });
    expect(
      fake.requests.filter((request) => request.path === '/v1/chat/completions' && request.status === 200),
    ).toHaveLength(6);
  });

  it('survives negative and absurd usage counts: every example labeled, tokens clamped, the oddity counted', async () => {
    fake.script(rules);
    // The spec types usage counts as plain integers: a negative count once made a Prometheus
    // counter throw (a good answer became a failed job), a huge one billed $204 for six answers.
    fake.configure({ faults: { usage: { prompt_tokens: -40, completion_tokens: 2_000_000_000 } } });
    const run = await waitForRun(h, (await startRun(h, unlabeledVersion, zeroShot)).id);
    expect(run).toMatchObject({ status: 'completed', total: 6, labeled: 6, failed: 0 });
    expect(run.input_tokens).toBe(0);
    // An answer cannot hold more tokens than the call allowed (max_completion_tokens).
    expect(run.output_tokens).toBeGreaterThan(0);
    expect(run.output_tokens).toBeLessThanOrEqual(6 * 16);
    expect(run.cost_usd).toBeLessThan(0.001);
    const metrics = (await h.http().get('/metrics')).text;
    expect(metrics).toMatch(/tuneline_provider_oddities_total\{[^}]*kind="negative_usage"[^}]*\} 6/);
    expect(metrics).toMatch(/tuneline_provider_oddities_total\{[^}]*kind="usage_over_bound"[^}]*\} 6/);
  });

  it('cancels a running run; what was answered stays recorded', async () => {
    fake.script(rules);
    fake.configure({ faults: { latencyMs: 300 } });
    const run = await startRun(h, unlabeledVersion, zeroShot);
    await expect.poll(async () => (await getRun(h, run.id)).done, { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
    const cancelled = await h.http().post(`/v1/label-runs/${run.id}/cancel`).set('authorization', bearer(ADMIN_KEY));
    expect(cancelled.body.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 800));
    const after = await getRun(h, run.id);
    expect(after.status).toBe('cancelled');
    expect(after.done).toBeLessThan(6);
    expect(after.result_version_id).toBeNull();
  });

  it('reports agreement between LLM and human labels on a known case', async () => {
    // Human: billing, bug, billing, bug, other, other. LLM (rules): billing, bug, billing, bug, other, billing.
    fake.script(rules);
    const run = await waitForRun(h, (await startRun(h, labeledVersion, { ...zeroShot, only_unlabeled: false })).id);
    // 5 of 6 agree. Marginals: human billing 2, bug 2, other 2; LLM billing 3, bug 2, other 1.
    // p_o = 5/6, p_e = (2·3 + 2·2 + 2·1) / 36 = 1/3, kappa = (5/6 − 1/3) / (1 − 1/3) = 0.75.
    expect(run.report.label_run.agreement_with_existing_labels.accuracy).toBeCloseTo(5 / 6, 10);
    expect(run.report.label_run.agreement_with_existing_labels.kappa).toBeCloseTo(0.75, 10);
  });

  it('slows down on the provider’s x-ratelimit-remaining headers when its own budget is too generous', async () => {
    // The run's own budget is far above the provider's real limit of 60 requests a minute.
    fake.script(rules);
    fake.configure({ rateLimits: { rpm: 60 } });
    const many = (
      await upload(
        h,
        '/v1/tasks/tickets/datasets?name=many',
        jsonl(Array.from({ length: 66 }, (_, i) => ({ text: `refund ${i}` }))),
      )
    ).body.version.id;
    const run = await waitForRun(h, (await startRun(h, many, { ...zeroShot, rate_limit: { rpm: 10_000 } })).id, 60_000);
    // Once the headers say the budget is spent every worker waits for a refill (the pause itself is
    // tested in provider-rate-limiter.test.ts); calls already in flight may still meet a 429, which
    // delays them without losing or repeating an example.
    expect(run).toMatchObject({ status: 'completed', labeled: 66, failed: 0 });
    const results = await h.runtime.database.pool.query(
      'SELECT count(DISTINCT example_id)::int AS n FROM label_results WHERE run_id = $1',
      [run.id],
    );
    expect(results.rows[0].n).toBe(66);
  }, 90_000);

  it('stops at the cost limit and keeps what was labeled', async () => {
    fake.script(rules);
    const run = await waitForRun(
      h,
      (await startRun(h, unlabeledVersion, { ...zeroShot, limits: { max_cost_usd: 0.0000001 } })).id,
    );
    expect(run.status).toBe('completed');
    expect(run.stop_reason).toBe('max_cost');
    expect(run.done).toBeLessThan(6);
    expect(run.done + run.skipped).toBe(6);
  });
});
