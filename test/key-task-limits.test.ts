import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, registerModel, route } from './helpers/classify.js';
import { securedOperations } from './helpers/openapi-operations.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { createFineTune, splitDataset } from './helpers/training.js';

/**
 * A key limited to task A, route by route from the committed OpenAPI document: every route that
 * names one of task B's resources (by the task, or by a child id in the path, body or query)
 * answers 404 exactly as for an id that never existed, and lists show only task A.
 */

const operations = securedOperations().filter(
  ({ operation }) => !operation.tags?.some((tag) => tag === 'api-keys' || tag === 'maintenance'),
);

const UNKNOWN_UUID = '01890a5d-ac96-774b-bcce-b302099a8057';
const UPLOADS = new Set(['createDataset', 'importDatasetVersion']);
// Lists and creates that name no task; checked on their own below.
const NAME_NO_TASK = new Set(['createTask', 'listTasks', 'listProviders', 'listProviderModels']);

/** Ids of one task's resources, by the path parameter that names them. */
type Resources = Record<
  'task' | 'dataset' | 'version' | 'run' | 'fine_tune' | 'model_version' | 'evaluation' | 'pipeline' | 'prediction',
  string
>;

let h: Harness;
let a: Resources;
let b: Resources;
let limited: string;

const admin = bearer(ADMIN_KEY);

async function populate(slug: string): Promise<Resources> {
  const version = await splitDataset(h, slug, 40);
  const dataset = (await h.http().get(`/v1/dataset-versions/${version}`).set('authorization', admin)).body
    .dataset_id as string;
  const model = await registerModel(h, slug, { kind: 'prompt', provider: 'local', name: `${slug}-prompt` });
  await route(h, slug, { champion: model });
  const classified = await classify(h, slug, { input: 'how to serve' });
  expect(classified.status, JSON.stringify(classified.body)).toBe(200);
  const run = await h
    .http()
    .post(`/v1/dataset-versions/${version}/label-runs`)
    .set('authorization', admin)
    .send({ provider: 'local', mode: 'few_shot', only_unlabeled: false });
  const fineTune = await createFineTune(h, slug, { dataset_version_id: version, provider: 'local' });
  const evaluation = await h
    .http()
    .post('/v1/evaluations')
    .set('authorization', admin)
    .send({ model_version_id: model, dataset_version_id: version });
  const pipeline = await h
    .http()
    .post(`/v1/tasks/${slug}/pipelines`)
    .set('authorization', admin)
    .send({ dataset_version_id: version, candidates: [{ provider: 'local' }] });
  for (const response of [run, fineTune, evaluation, pipeline])
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return {
    task: slug,
    dataset,
    version,
    run: run.body.id,
    fine_tune: fineTune.body.id,
    model_version: model,
    evaluation: evaluation.body.id,
    pipeline: pipeline.body.id,
    prediction: classified.body.results[0].prediction_id,
  };
}

beforeAll(async () => {
  h = await createHarness({ PREDICTION_LOG_FLUSH_MS: '20' });
  a = await populate('limit-a');
  b = await populate('limit-b');
  const taskA = (await h.http().get('/v1/tasks/limit-a').set('authorization', admin)).body.id as string;
  const created = await h
    .http()
    .post('/v1/api-keys')
    .set('authorization', admin)
    .send({ name: 'team a', scopes: ['write', 'read', 'classify'], task_ids: [taskA] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.task_ids).toEqual([taskA]);
  limited = created.body.key;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Bodies for routes that name resources only in their body. */
const bodyFor = (operationId: string, ids: Resources): Record<string, unknown> => {
  if (operationId === 'createEvaluation')
    return { model_version_id: ids.model_version, dataset_version_id: ids.version };
  if (operationId === 'projectCosts')
    return { daily_volume: 10, horizon_days: 5, options: [{ model_version_id: ids.model_version }] };
  return {};
};

function send(method: string, path: string, operationId: string, ids: Resources, key: string) {
  const url = path.replace(/\{([^}]+)\}/g, (_, name: keyof Resources) => ids[name] ?? UNKNOWN_UUID);
  const request = (
    h.http() as unknown as Record<string, (url: string) => ReturnType<ReturnType<Harness['http']>['get']>>
  )[method]!(url).set('authorization', bearer(key));
  if (method === 'get' || method === 'delete') return request;
  if (UPLOADS.has(operationId))
    return request.set('content-type', 'application/jsonl').send('{"text":"x","label":"other"}\n');
  return request.send(bodyFor(operationId, ids));
}

const unknownIds = (ids: Resources): Resources =>
  Object.fromEntries(
    Object.keys(ids).map((name) => [name, name === 'task' ? 'no-such-task' : UNKNOWN_UUID]),
  ) as Resources;

describe('a key limited to task A', () => {
  for (const { method, path, operation } of operations.filter(
    ({ operation }) => !NAME_NO_TASK.has(operation.operationId),
  )) {
    it(`gets 404 for task B on ${method.toUpperCase()} ${path}`, async () => {
      const response = await send(method, path, operation.operationId, b, limited);
      expect(response.status, JSON.stringify(response.body)).toBe(404);
      expect(response.body.code).toBe('not_found');
      // The same answer as for an id that never existed: nothing says the resource is there.
      const unknown = await send(method, path, operation.operationId, unknownIds(b), limited);
      expect(unknown.status).toBe(404);
      expect(response.body.details.resource).toBe(unknown.body.details.resource);
      expect(response.body.detail.replace(response.body.details.id, '<id>')).toBe(
        unknown.body.detail.replace(unknown.body.details.id, '<id>'),
      );
    });
  }

  it('still works on task A', async () => {
    for (const { method, path, operation } of operations.filter(({ method }) => method === 'get')) {
      // Event streams (streamLabelRun, streamFineTune, ...) stay open while what they watch is queued.
      if (operation.operationId.startsWith('stream')) continue;
      const response = await send(method, path, operation.operationId, a, limited);
      if (operation.operationId === 'getModelEndpoint') {
        // Task A's model version has no dedicated endpoint: the key reached the model, which has none.
        expect(response.status).toBe(404);
        expect(response.body.details.resource).toBe('endpoint of model version');
        continue;
      }
      if (operation.operationId === 'getCascadePlan') {
        // Task A has no cascade plan (one needs evaluations on two splits): the key got past the task check.
        expect(response.status).toBe(404);
        expect(response.body.details.resource).toBe('cascade plan');
        continue;
      }
      expect([403, 404], `${path}: ${JSON.stringify(response.body)}`).not.toContain(response.status);
    }
    expect((await classify(h, 'limit-a', { input: 'how to' }, limited)).status).toBe(200);
    const feedback = await h
      .http()
      .post(`/v1/predictions/${a.prediction}/feedback`)
      .set('authorization', bearer(limited))
      .send({ label: 'other' });
    expect(feedback.status, JSON.stringify(feedback.body)).toBe(200);
  });

  it('cannot point a task A route at task B’s resources through the body', async () => {
    const fineTune = await h
      .http()
      .post('/v1/tasks/limit-a/fine-tunes')
      .set('authorization', bearer(limited))
      .send({ dataset_version_id: b.version, provider: 'local' });
    expect(fineTune.status).toBe(404);
    expect(fineTune.body.details).toEqual({ resource: 'dataset version', id: b.version });
    const evaluation = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', bearer(limited))
      .send({ model_version_id: a.model_version, dataset_version_id: b.version });
    expect(evaluation.status).toBe(404);
    const promote = await h
      .http()
      .post('/v1/tasks/limit-a/routing/promote')
      .set('authorization', bearer(limited))
      .send({ model_version_id: b.model_version });
    expect(promote.status).toBe(404);
  });

  it('lists only its tasks and cannot create tasks it could not see', async () => {
    const list = await h.http().get('/v1/tasks?limit=100').set('authorization', bearer(limited));
    expect(list.status).toBe(200);
    expect(list.body.data.map((task: { slug: string }) => task.slug)).toEqual(['limit-a']);
    const create = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', bearer(limited))
      .send({ slug: 'limit-c', instructions: 'x', labels: [{ name: 'a' }, { name: 'b' }] });
    expect(create.status).toBe(403);
    expect(create.body.code).toBe('limited_to_tasks');
  });
});

describe('creating limited keys', () => {
  const createKey = (body: Record<string, unknown>) =>
    h.http().post('/v1/api-keys').set('authorization', admin).send(body);

  it('reads the deployment’s provider connections, which belong to no task', async () => {
    const response = await h.http().get('/v1/providers').set('authorization', bearer(limited));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.data.map((provider: { name: string }) => provider.name)).toContain('local');
    const models = await h.http().get('/v1/providers/local/models').set('authorization', bearer(limited));
    expect(models.status, JSON.stringify(models.body)).toBe(200);
  });

  it('refuses unknown tasks and admin keys limited to tasks', async () => {
    const unknown = await createKey({ name: 'x', scopes: ['read'], task_ids: [UNKNOWN_UUID] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'body.task_ids[0]', message: 'no such task' }]);
    const taskA = (await h.http().get('/v1/tasks/limit-a').set('authorization', admin)).body.id as string;
    const adminKey = await createKey({ name: 'x', scopes: ['admin'], task_ids: [taskA] });
    expect(adminKey.status).toBe(400);
    expect(adminKey.body.errors[0].field).toBe('body.task_ids');
  });

  it('shows each key’s tasks when listing keys (null: every task)', async () => {
    const list = await h.http().get('/v1/api-keys?limit=100').set('authorization', admin);
    const byName = Object.fromEntries(
      list.body.data.map((key: { name: string; task_ids: string[] | null }) => [key.name, key.task_ids]),
    );
    expect(byName['team a']).toEqual([expect.any(String)]);
    const unlimited = await createKey({ name: 'everything', scopes: ['read'] });
    expect(unlimited.body.task_ids).toBeNull();
  });
});
