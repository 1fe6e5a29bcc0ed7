import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake, type ScriptInput } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { evaluateAndWait } from './helpers/evaluations.js';
import { classify, registerModel, route } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { createFineTune, TITLE_WORDS, waitForFineTune } from './helpers/training.js';

/**
 * The workflows of issue #16 that train and then serve: a model is asked the way it was trained
 * (its data's text preparation, its prompt layout, its legacy answer codes), and shows what its
 * whole line of continued training cost.
 */

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const auth = bearer(ADMIN_KEY);

const isInstructional = (text: string) => TITLE_WORDS.instructional.some((word) => text.includes(word));
/**
 * A fine-tune that never saw a Slack mention or a URL does not know what to make of one: the
 * fake answers `other` for any text holding either, and by the title's words otherwise.
 */
const answer = (input: ScriptInput): string => {
  if (input.endpoint === 'completions') return isInstructional(input.userText) ? ' 1' : ' 2';
  if (/<@|https?:\/\//.test(input.userText)) return 'other';
  return isInstructional(input.userText) ? 'instructional' : 'other';
};
const LEGACY_MODEL = 'ft:davinci-002:org:reviews:abc123';

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 30, queuedMs: 30, runningMs: 150 }, script: answer });
  const dir = mkdtempSync(join(tmpdir(), 'tuneline-serving-'));
  const file = join(dir, 'connections.json');
  // A server implementing OpenAI's job API whose legacy fine-tunes are still served (no shutdown table).
  writeFileSync(
    file,
    JSON.stringify({
      connections: [{ name: 'legacy-host', kind: 'openai-compatible', base_url: fake.url, fine_tuning: true }],
    }),
  );
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PROVIDER_CONNECTIONS_FILE: file,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
    FILE_PROCESSING_TIMEOUT_MS: '2000',
  });
  workers = await startWorkers(h, ['training', 'evaluation'], 4);
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

/** Slack-style titles: each starts with a mention and ends with a link, as exported from a channel. */
async function slackDataset(slug: string, size = 40): Promise<string> {
  await createTask(h, slug, ['instructional', 'other']);
  const rows = Array.from({ length: size }, (_, i) => {
    const label = i % 2 ? 'instructional' : 'other';
    const pool = TITLE_WORDS[label as keyof typeof TITLE_WORDS];
    return { text: `<@U04ABCD12> ${pool[i % pool.length]} clip ${i} https://clips.example/${i}`, label };
  });
  const imported = await upload(h, `/v1/tasks/${slug}/datasets?name=${slug}`, jsonl(rows));
  const cleaned = await h
    .http()
    .post(`/v1/dataset-versions/${imported.body.version.id}/derive`)
    .set('authorization', auth)
    .send({ operations: [{ op: 'dedupe' }, { op: 'clean', emails: false }] });
  const split = await h
    .http()
    .post(`/v1/dataset-versions/${cleaned.body.id}/derive`)
    .set('authorization', auth)
    .send({ operations: [{ op: 'split', train: 0.7, validation: 0.15, test: 0.15 }] });
  expect(split.status).toBe(201);
  return split.body.id;
}

const trained = async (slug: string, body: Record<string, unknown>) => {
  const created = await createFineTune(h, slug, { provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const done = await waitForFineTune(h, created.body.id);
  expect(done.status).toBe('succeeded');
  const model = await h.http().get(`/v1/model-versions/${done['model_version_id']}`).set('authorization', auth);
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
  return { fineTune: done as any, model: model.body };
};

// biome-ignore lint/suspicious/noExplicitAny: request bodies are the fake's parsed JSON
type Sent = { path: string; body: any };
const sent = (): Sent[] => fake.requests as Sent[];
const chatRequestsFor = (model: string) =>
  sent().filter((request) => request.path === '/v1/chat/completions' && request.body?.model === model);

describe('serving with the training data’s preparation', () => {
  it('records the clean operations of the lineage and applies them to classify inputs, once', async () => {
    const version = await slackDataset('slack');
    const { model } = await trained('slack', { dataset_version_id: version, suffix: 'slack' });
    // Walked back from the trained-on version to the import: only the text-changing step.
    expect(model.text_operations).toEqual([expect.objectContaining({ op: 'clean', emails: false, urls: true })]);
    expect(model.prompt_format).toBe('chat');
    await route(h, 'slack', { champion: model.id });

    const result = await classify(h, 'slack', {
      inputs: ['<@U04ABCD12> how to serve faster https://youtu.be/abc', 'hey <@U04ABCD12|sam> full match replay'],
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.results.map((r: { label: string }) => r.label)).toEqual(['instructional', 'other']);
    const asked = chatRequestsFor(model.model).map((request) => request.body.messages.at(-1).content);
    expect(asked).toEqual(expect.arrayContaining(['how to serve faster', 'hey full match replay']));
    expect(asked.some((text: string) => text.includes('<@') || text.includes('http'))).toBe(false);

    // Evaluation rows are the trained-on version's, already cleaned: asked as stored.
    const before = chatRequestsFor(model.model).length;
    const evaluation = await evaluateAndWait(h, model.id, version);
    expect(evaluation.status).toBe('completed');
    expect((evaluation['metrics'] as { report: { accuracy: number } }).report.accuracy).toBe(1);
    const evaluated = chatRequestsFor(model.model).slice(before);
    expect(evaluated.length).toBeGreaterThan(0);
    expect(evaluated.every((request) => /^\S.* clip \d+$/.test(request.body.messages.at(-1).content))).toBe(true);
  });

  it('takes text_operations when a model is registered by hand, validated like dataset operations', async () => {
    await createTask(h, 'byo-clean', ['instructional', 'other']);
    const bad = await h
      .http()
      .post('/v1/tasks/byo-clean/model-versions')
      .set('authorization', auth)
      .send({ kind: 'prompt', provider: 'openai', text_operations: [{ op: 'clean', urls: 'yes' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'body.text_operations[0].urls' })]);
    const notText = await h
      .http()
      .post('/v1/tasks/byo-clean/model-versions')
      .set('authorization', auth)
      .send({
        kind: 'prompt',
        provider: 'openai',
        text_operations: [{ op: 'split', train: 1, validation: 0, test: 0 }],
      });
    expect(notText.status).toBe(400);
    expect(notText.body.errors).toEqual([expect.objectContaining({ field: 'body.text_operations[0].op' })]);

    const id = await registerModel(h, 'byo-clean', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4.1-nano',
      text_operations: [{ op: 'clean' }],
    });
    await route(h, 'byo-clean', { champion: id });
    const result = await classify(h, 'byo-clean', { inputs: ['<@U1> tutorial for beginners https://x.io'] });
    expect(result.body.results[0].label).toBe('instructional');
    expect(chatRequestsFor('gpt-4.1-nano').map((request) => request.body.messages.at(-1).content)).toContain(
      'tutorial for beginners',
    );
  });
});

describe('chat training without the system message', () => {
  it('exports, trains and then asks the model without the system message', async () => {
    const version = await slackDataset('nosys');
    const exported = await h
      .http()
      .get(`/v1/dataset-versions/${version}/export?format=openai-chat&split=train&system_message=false`)
      .set('authorization', auth)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done(null, text));
      });
    const lines = (exported.body as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.messages.map((m: { role: string }) => m.role).join() === 'user,assistant')).toBe(
      true,
    );
    const withSystem = await h
      .http()
      .get(`/v1/dataset-versions/${version}/export?format=openai-chat&split=train`)
      .set('authorization', auth)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done(null, text));
      });
    expect(JSON.parse((withSystem.body as string).split('\n')[0]!).messages[0].role).toBe('system');

    const { fineTune, model } = await trained('nosys', {
      dataset_version_id: version,
      suffix: 'nosys',
      system_message: false,
    });
    expect(model.prompt_format).toBe('chat_no_system');
    expect(fineTune.system_message).toBe(false);
    const file = fake.state.files.get(fineTune.training_file_id)!;
    const trainedLines = file.content
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(trainedLines.every((line) => line.messages[0].role === 'user')).toBe(true);

    await route(h, 'nosys', { champion: model.id });
    const result = await classify(h, 'nosys', { inputs: ['drill for a better backhand'] });
    expect(result.body.results[0].label).toBe('instructional');
    // Found by its text: the automatic test evaluation asks the same model meanwhile.
    const asked = chatRequestsFor(model.model).find((request) =>
      JSON.stringify(request.body.messages).includes('drill for a better backhand'),
    );
    expect(asked?.body.messages).toEqual([{ role: 'user', content: 'drill for a better backhand' }]);
    const evaluation = await evaluateAndWait(h, model.id, version);
    expect(evaluation.status).toBe('completed');
    expect(
      chatRequestsFor(model.model)
        .at(-1)
        ?.body.messages.map((m: { role: string }) => m.role),
    ).toEqual(['user']);
  });
});

describe('legacy completions fine-tunes brought by id', () => {
  // The fake lists davinci-002 with OpenAI's shutdown date; this host still serves its fine-tunes.
  const known = () =>
    fake.configure({
      models: {
        known: ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'davinci-002', LEGACY_MODEL],
        shutdownDates: { 'davinci-002': null, [LEGACY_MODEL]: null },
      },
    });

  it('maps answers back through the label codes given at registration', async () => {
    known();
    await createTask(h, 'legacy', ['instructional', 'other']);
    // Without codes, every answer of the model is unparseable (the defect): no label comes back.
    const uncoded = await registerModel(h, 'legacy', {
      kind: 'fine_tuned',
      provider: 'legacy-host',
      model: LEGACY_MODEL,
    });
    await route(h, 'legacy', { champion: uncoded, fallback: null });
    const failed = await classify(h, 'legacy', { inputs: ['how to volley'] });
    expect(failed.status).toBe(503);

    const registered = await h
      .http()
      .post('/v1/tasks/legacy/model-versions')
      .set('authorization', auth)
      .send({
        kind: 'fine_tuned',
        provider: 'legacy-host',
        model: LEGACY_MODEL,
        label_codes: { instructional: ' 1', other: ' 2' },
      });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      label_codes: { instructional: ' 1', other: ' 2' },
      prompt_format: 'completion',
    });
    await route(h, 'legacy', { champion: registered.body.id });
    const result = await classify(h, 'legacy', { inputs: ['how to volley', 'press conference interview'] });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.results.map((r: { label: string }) => r.label)).toEqual(['instructional', 'other']);
    expect(
      sent()
        .filter((request) => request.path === '/v1/completions')
        .at(-1)?.body.prompt,
    ).toBe('press conference interview\n\n###\n\n');
  });

  it('refuses codes that cannot map answers back, naming the label', async () => {
    known();
    await createTask(h, 'legacy-bad', ['instructional', 'other']);
    const register = (label_codes: Record<string, string>) =>
      h
        .http()
        .post('/v1/tasks/legacy-bad/model-versions')
        .set('authorization', auth)
        .send({ kind: 'fine_tuned', provider: 'legacy-host', model: LEGACY_MODEL, label_codes });
    const cases: [Record<string, string>, string][] = [
      [{ instructional: ' 1', other: ' 1' }, 'body.label_codes.other'],
      [{ instructional: ' 1' }, 'body.label_codes.other'],
      [{ instructional: ' ', other: ' 2' }, 'body.label_codes.instructional'],
      [{ instructional: ' 1', other: ' 2', maybe: ' 3' }, 'body.label_codes.maybe'],
    ];
    for (const [codes, field] of cases) {
      const response = await register(codes);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
    }
  });

  it('on the openai connection, a davinci-002 fine-tune is refused as shut down before anything is stored', async () => {
    await createTask(h, 'legacy-openai', ['instructional', 'other']);
    const response = await h
      .http()
      .post('/v1/tasks/legacy-openai/model-versions')
      .set('authorization', auth)
      .send({
        kind: 'fine_tuned',
        provider: 'openai',
        model: LEGACY_MODEL,
        label_codes: { instructional: ' 1', other: ' 2' },
      });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('model_shut_down');
  });
});

describe('lineage cost', () => {
  it('shows a continued model’s own training cost and the total along its parent chain', async () => {
    const version = await slackDataset('lineage');
    const first = await trained('lineage', { dataset_version_id: version, suffix: 'first' });
    const second = await trained('lineage', {
      dataset_version_id: version,
      parent_model_version_id: first.model.id,
      suffix: 'second',
    });
    const third = await trained('lineage', {
      dataset_version_id: version,
      parent_model_version_id: second.model.id,
      suffix: 'third',
    });
    const costs = [first, second, third].map(({ model }) => model.training_cost_usd as number);
    expect(costs.every((cost) => cost > 0)).toBe(true);
    expect(first.model.lineage_training_cost_usd).toBeCloseTo(costs[0]!, 12);
    expect(third.model.parent_id).toBe(second.model.id);
    expect(third.model.lineage_training_cost_usd).toBeCloseTo(costs[0]! + costs[1]! + costs[2]!, 12);

    const list = await h.http().get('/v1/tasks/lineage/model-versions').set('authorization', auth);
    const listed = list.body.data.find((m: { id: string }) => m.id === second.model.id);
    expect(listed.lineage_training_cost_usd).toBeCloseTo(costs[0]! + costs[1]!, 12);

    await evaluateAndWait(h, third.model.id, version);
    const board = await h
      .http()
      .get(`/v1/tasks/lineage/leaderboard?dataset_version_id=${version}&split=test`)
      .set('authorization', auth);
    expect(board.status, JSON.stringify(board.body)).toBe(200);
    const entry = board.body.entries.find((e: { model: { id: string } }) => e.model.id === third.model.id);
    expect(entry.model.lineage_training_cost_usd).toBeCloseTo(costs[0]! + costs[1]! + costs[2]!, 12);
    expect(entry.lineage_training_cost_usd).toBeCloseTo(costs[0]! + costs[1]! + costs[2]!, 12);
  });
});
