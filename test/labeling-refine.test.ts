import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import type { ScriptFunction } from './fakes/shared/scripting.js';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';

// "Which user will answer this message": a labeled set where some messages carry too little
// signal to say. The refinement pass should turn exactly those into the negative label.
let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let labeledVersion: string;

const MESSAGES = [
  { text: 'alice: can you review the kernel patch', label: 'alice' },
  { text: 'bob: the invoice for march is attached', label: 'bob' },
  { text: 'weak: ok', label: 'alice' },
  { text: 'weak: thanks', label: 'bob' },
  { text: 'alice: the scheduler test is flaky', label: 'alice' },
  { text: 'weak: lol', label: 'nil' },
];

// Clear messages: the LLM agrees at 0.9. Weak ones: it spreads its mass, no label above 0.4.
const answerer: ScriptFunction = (input) => {
  if (input.userText.startsWith('weak:')) {
    return { answer: 'alice', distribution: { alice: 0.4, bob: 0.35, nil: 0.25 } };
  }
  const answer = input.userText.startsWith('alice:') ? 'alice' : 'bob';
  return { answer, distribution: { [answer]: 0.9, nil: 0.1 } };
};

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['labeling'], 4);
  await createTask(h, 'answerer', ['alice', 'bob', 'nil']);
  labeledVersion = (await upload(h, '/v1/tasks/answerer/datasets?name=messages', jsonl(MESSAGES))).body.version.id;
  fake.script(answerer);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const refineBody = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  mode: 'zero_shot',
  refine: { negative_label: 'nil', min_confidence: 0.5 },
};

describe('signal-strength refinement on a labeled version', () => {
  it('turns labeled rows whose current label the LLM is unsure of into the negative label, and counts only those', async () => {
    const run = await waitForRun(h, (await startRun(h, labeledVersion, { ...refineBody, only_unlabeled: false })).id);
    expect(run.status).toBe('completed');
    const rows = await allExamples(h, run.result_version_id);
    const byText = new Map(rows.map((row) => [row.text, row]));
    // alice 0.4 and bob 0.35 for their current labels: both under 0.5, both become nil.
    expect(byText.get('weak: ok')).toMatchObject({ label: 'nil', label_source: 'llm' });
    expect(byText.get('weak: ok')!.confidence).toBeCloseTo(0.4, 2);
    expect(byText.get('weak: thanks')).toMatchObject({ label: 'nil', label_source: 'llm' });
    expect(byText.get('weak: thanks')!.confidence).toBeCloseTo(0.35, 2);
    // Already the negative label: nothing to change.
    expect(byText.get('weak: lol')).toMatchObject({ label: 'nil', label_source: 'import' });
    // Clear signal: the person's label stays.
    expect(byText.get('alice: can you review the kernel patch')).toMatchObject({
      label: 'alice',
      label_source: 'import',
    });
    expect(byText.get('bob: the invoice for march is attached')).toMatchObject({
      label: 'bob',
      label_source: 'import',
    });

    // Each answer is shown beside the example's text and the label it had before the run.
    const results = (
      await h.http().get(`/v1/label-runs/${run.id}/results?limit=100`).set('authorization', bearer(ADMIN_KEY))
    ).body.data as { example_id: string; text: string; current_label: string; label: string }[];
    expect(results).toHaveLength(6);
    for (const result of results) {
      const original = MESSAGES.find((message) => message.text === result.text)!;
      expect(result.current_label).toBe(original.label);
    }

    const report = run.report.label_run;
    expect(report.refined_to_negative).toBe(2);
    expect(report.refined_example_ids).toHaveLength(2);
    expect(rows.filter((row) => row.label === 'nil')).toHaveLength(3);

    // A person reviews the refined rows like any others.
    const refinedId = byText.get('weak: ok')!.example_id;
    const reviewed = await h
      .http()
      .post(`/v1/dataset-versions/${run.result_version_id}/reviews`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ overrides: [{ example_id: refinedId, label: 'alice' }] });
    expect(reviewed.status).toBe(201);
    const after = await allExamples(h, reviewed.body.id);
    expect(after.find((row) => row.example_id === refinedId)).toMatchObject({ label: 'alice', label_source: 'human' });
  });

  it('takes a task label named nil as the negative label when the request names none', async () => {
    const run = await waitForRun(
      h,
      (await startRun(h, labeledVersion, { ...refineBody, refine: { min_confidence: 0.5 }, only_unlabeled: false })).id,
    );
    expect(run.report.label_run.refined_to_negative).toBe(2);
    expect(run.params.refine).toEqual({ negative_label: 'nil', min_confidence: 0.5 });
  });

  it('answers 400 naming the field when the task has no negative label and the request names none', async () => {
    await createTask(h, 'no-negative', ['alice', 'bob']);
    const version = (await upload(h, '/v1/tasks/no-negative/datasets?name=m', jsonl([{ text: 'hi', label: 'alice' }])))
      .body.version.id;
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ ...refineBody, refine: { min_confidence: 0.5 }, only_unlabeled: false });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.refine.negative_label']);
  });

  it('advises only_unlabeled: false when asked to refine a fully labeled version with only_unlabeled: true', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${labeledVersion}/label-runs`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ ...refineBody, only_unlabeled: true });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('nothing_to_label');
    expect(response.body.detail).toMatch(/only_unlabeled: false/);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.only_unlabeled']);
  });
});

describe('signal-strength refinement with its own yes/no question', () => {
  it('asks the signal prompt with its few-shot pairs, and weak rows take the negative label', async () => {
    fake.reset();
    fake.script((input) => {
      if (!input.systemText.includes('enough to tell')) return 'alice';
      return input.userText.startsWith('weak:')
        ? { answer: 'no', distribution: { no: 0.8, yes: 0.2 } }
        : { answer: 'yes', distribution: { yes: 0.9, no: 0.1 } };
    });
    const run = await waitForRun(
      h,
      (
        await startRun(h, labeledVersion, {
          provider: 'openai',
          model: 'gpt-4o-mini',
          mode: 'few_shot',
          only_unlabeled: false,
          refine: {
            min_confidence: 0.5,
            signal_prompt: 'Does the message say enough to tell who will answer it? Labels: yes, no',
            signal_examples: [
              { text: 'bob: the build server is down again', signal: true },
              { text: 'hmm', signal: false },
            ],
          },
        })
      ).id,
    );
    expect(run.status).toBe('completed');
    expect(run.report.label_run.refined_to_negative).toBe(2);
    const rows = new Map((await allExamples(h, run.result_version_id)).map((row) => [row.text, row]));
    expect(rows.get('weak: ok')).toMatchObject({ label: 'nil', label_source: 'llm' });
    expect(rows.get('weak: ok')!.confidence).toBeCloseTo(0.2, 2);
    expect(rows.get('weak: thanks')).toMatchObject({ label: 'nil', label_source: 'llm' });
    expect(rows.get('weak: lol')).toMatchObject({ label: 'nil', label_source: 'import' });
    expect(rows.get('alice: the scheduler test is flaky')).toMatchObject({ label: 'alice', label_source: 'import' });
    // The question went out with its few-shot pairs, answered yes / no.
    const sent = fake.requests.filter((request) => request.path === '/v1/chat/completions');
    const messages = (sent[0]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages[0]!.content).toContain('enough to tell');
    expect(messages.slice(1, 5).map((message) => message.content)).toEqual([
      expect.stringContaining('the build server is down again'),
      'yes',
      expect.stringContaining('hmm'),
      'no',
    ]);
  });

  it('refuses signal examples without a signal prompt', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${labeledVersion}/label-runs`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({
        ...refineBody,
        only_unlabeled: false,
        refine: { min_confidence: 0.5, signal_examples: [{ text: 'x', signal: true }] },
      });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.refine.signal_examples']);
  });
});

describe('reviews record who made them', () => {
  it('stores llm-made changes as label source llm and leaves them out of the agreement figure', async () => {
    fake.script(answerer);
    const version = (await upload(h, '/v1/tasks/answerer/datasets?name=reviewed', jsonl(MESSAGES))).body.version.id;
    const rows = await allExamples(h, version);
    const idOf = (text: string) => rows.find((row) => row.text === text)!.example_id;
    const reviewed = await h
      .http()
      .post(`/v1/dataset-versions/${version}/reviews`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({
        reviewer: 'llm',
        overrides: [
          { example_id: idOf('weak: ok'), label: 'bob' },
          { example_id: idOf('weak: thanks'), label: 'alice', reviewer: 'human' },
        ],
      });
    expect(reviewed.status).toBe(201);
    expect(reviewed.body.params).toEqual({ overrides: 2, reviewers: { human: 1, llm: 1 } });
    expect(reviewed.body.report.review).toMatchObject({ overridden: 2, overridden_by_human: 1, overridden_by_llm: 1 });
    const after = new Map((await allExamples(h, reviewed.body.id)).map((row) => [row.text, row]));
    expect(after.get('weak: ok')).toMatchObject({ label: 'bob', label_source: 'llm' });
    expect(after.get('weak: thanks')).toMatchObject({ label: 'alice', label_source: 'human' });

    // The LLM answers alice for every weak message: it agrees with the person on "thanks" and
    // disagrees with the LLM-made "ok" and the imported "lol".
    const run = await waitForRun(
      h,
      (await startRun(h, reviewed.body.id, { provider: 'openai', model: 'gpt-4o-mini', only_unlabeled: false })).id,
    );
    const report = run.report.label_run;
    expect(report.agreement_with_existing_labels).toMatchObject({ n: 5, accuracy: 0.8 });
    expect(report.agreement_by_label_source.import).toMatchObject({ n: 4, accuracy: 0.75 });
    expect(report.agreement_by_label_source.human).toMatchObject({ n: 1, accuracy: 1 });
    expect(report.agreement_by_label_source.llm).toMatchObject({ n: 1, accuracy: 0 });
  });

  it('refuses a reviewer that is neither human nor llm', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${labeledVersion}/reviews`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ reviewer: 'robot', overrides: [{ example_id: 'a'.repeat(64), label: 'alice' }] });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('body.reviewer');
  });
});
