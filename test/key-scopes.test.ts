import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securedOperations, type DocumentedOperation } from './helpers/openapi-operations.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';

/**
 * Least privilege, route by route from the committed OpenAPI document: which scopes a route
 * refuses with 403 and which get past authorization. A new route is covered as soon as it is
 * exported, and it must fit one of the rules below.
 */

type Scope = 'admin' | 'write' | 'read' | 'classify';
/** What each scope may do, as the README's scope table says it. */
const GRANTS: Record<Scope, Scope[]> = {
  admin: ['admin', 'write', 'read', 'classify'],
  write: ['write', 'read'],
  read: ['read'],
  classify: ['classify'],
};

/** The scope a route needs: classify and feedback need `classify`, reading needs `read`, changes need `write`, keys and maintenance `admin`; any key may ask what it is. */
function requiredScope(method: string, operation: DocumentedOperation['operation']): Scope | 'any_key' {
  if (operation.operationId === 'getCurrentKey') return 'any_key';
  if (operation.tags?.some((tag) => tag === 'api-keys' || tag === 'maintenance')) return 'admin';
  if (operation.operationId === 'classify' || operation.operationId === 'givePredictionFeedback') return 'classify';
  // Cost projections compute from model versions and their evaluations; they create nothing.
  if (method === 'get' || operation.operationId === 'projectCosts') return 'read';
  return 'write';
}

const UNKNOWN_UUID = '01890a5d-ac96-774b-bcce-b302099a8057';
const operations = securedOperations();

let h: Harness;
const keys = {} as Record<Scope, string>;

async function createKey(body: Record<string, unknown>) {
  const response = await h.http().post('/v1/api-keys').set('authorization', bearer(ADMIN_KEY)).send(body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; key: string; scopes: string[] };
}

beforeAll(async () => {
  h = await createHarness();
  for (const scope of ['write', 'read', 'classify'] as const)
    keys[scope] = (await createKey({ name: scope, scopes: [scope] })).key;
  keys.admin = (await createKey({ name: 'admin', scopes: ['admin'] })).key;
});
afterAll(async () => {
  await h?.close();
});

const send = (method: string, path: string, key: string) => {
  const url = path.replace(/\{task\}/g, 'no-such-task').replace(/\{[^}]+\}/g, UNKNOWN_UUID);
  const request = (
    h.http() as unknown as Record<string, (url: string) => ReturnType<ReturnType<Harness['http']>['get']>>
  )[method]!(url).set('authorization', bearer(key));
  return method === 'get' || method === 'delete' ? request : request.send({});
};

describe('scopes, route by route', () => {
  it('covers every authenticated operation', () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  for (const { method, path, operation } of operations) {
    const required = requiredScope(method, operation);
    it(`${method.toUpperCase()} ${path} needs ${required}`, async () => {
      for (const scope of Object.keys(GRANTS) as Scope[]) {
        const response = await send(method, path, keys[scope]);
        if (required === 'any_key' || GRANTS[scope].includes(required)) {
          expect([401, 403], `${scope} key: ${response.status} ${JSON.stringify(response.body)}`).not.toContain(
            response.status,
          );
        } else {
          expect(response.status, `${scope} key`).toBe(403);
          expect(response.body).toMatchObject({ code: 'forbidden', details: { required_scope: required } });
        }
      }
    });
  }
});

describe('a classify key', () => {
  it('cannot read or export datasets or the prediction log', async () => {
    await createTask(h, 'scoped-reads', ['spam', 'ham']);
    const imported = await upload(
      h,
      '/v1/tasks/scoped-reads/datasets?name=mail',
      jsonl([{ text: 'win money', label: 'spam' }]),
    );
    expect(imported.status).toBe(201);
    const version = imported.body.version.id as string;
    const classify = bearer(keys.classify);
    for (const path of [
      `/v1/dataset-versions/${version}/export?format=jsonl`,
      `/v1/dataset-versions/${version}/examples`,
      `/v1/datasets/${imported.body.dataset.id}`,
      '/v1/tasks/scoped-reads/predictions',
      '/v1/tasks',
    ]) {
      const response = await h.http().get(path).set('authorization', classify);
      expect(response.status, path).toBe(403);
    }
    // A read key may.
    expect(
      (
        await h
          .http()
          .get(`/v1/dataset-versions/${version}/export?format=jsonl`)
          .set('authorization', bearer(keys.read))
      ).status,
    ).toBe(200);
  });
});
