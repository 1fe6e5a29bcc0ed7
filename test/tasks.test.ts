import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const auth = () => bearer(ADMIN_KEY);
const sentiment = (slug: string) => ({
  slug,
  instructions: 'Classify the sentiment of the review.',
  labels: [{ name: 'positive' }, { name: 'negative', description: 'Unhappy customers' }],
});

describe('tasks', () => {
  it('creates a task and reads it back by slug and by id', async () => {
    const created = await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('reviews'));
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe('/v1/tasks/reviews');
    expect(created.body).toMatchObject({
      slug: 'reviews',
      description: null,
      instructions: 'Classify the sentiment of the review.',
      labels: [{ name: 'positive' }, { name: 'negative', description: 'Unhappy customers' }],
      ordinal: false,
      archived: false,
      archived_at: null,
    });
    expect(Date.parse(created.body.created_at)).not.toBeNaN();

    const bySlug = await h.http().get('/v1/tasks/reviews').set('authorization', auth());
    const byId = await h.http().get(`/v1/tasks/${created.body.id}`).set('authorization', auth());
    expect(bySlug.status).toBe(200);
    expect(byId.body).toEqual(bySlug.body);
    expect(bySlug.body).toEqual(created.body);
  });

  it('marks a task ordinal when every label has an order', async () => {
    const response = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth())
      .send({
        slug: 'stars',
        instructions: 'How many stars?',
        labels: [1, 2, 3, 4, 5].map((n) => ({ name: `${n} stars`, order: n })),
      });
    expect(response.status).toBe(201);
    expect(response.body.ordinal).toBe(true);
  });

  it('rejects a second task with the same slug with 409', async () => {
    await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('dup-slug')).expect(201);
    const again = await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('dup-slug'));
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body).toMatchObject({
      status: 409,
      code: 'conflict',
      detail: 'A task with this slug already exists.',
    });
  });

  it.each([
    ['too few labels', { labels: [{ name: 'only' }] }, 'body.labels', 'must NOT have fewer than 2 items'],
    ['a bad slug', { slug: 'Not A Slug!' }, 'body.slug', 'must match pattern'],
    ['a UUID slug', { slug: '0192f0c4-1111-7abc-8def-0123456789ab' }, 'body.slug', 'a slug must not be a UUID'],
    ['a missing field', { instructions: undefined }, 'body.instructions', 'is required'],
    ['an unknown field', { colour: 'red' }, 'body.colour', 'is not a known field'],
    ['a wrong type', { labels: 'positive,negative' }, 'body.labels', 'must be array'],
    [
      'an empty label name',
      { labels: [{ name: '' }, { name: 'b' }] },
      'body.labels[0].name',
      'must NOT have fewer than 1 characters',
    ],
    ['a label with padding', { labels: [{ name: ' a' }, { name: 'b' }] }, 'body.labels[0].name', 'must match pattern'],
    [
      'duplicate labels',
      { labels: [{ name: 'Spam' }, { name: 'ham' }, { name: 'spam' }] },
      'body.labels[2].name',
      'duplicates label 0 ("Spam")',
    ],
    [
      'orders on only some labels',
      { labels: [{ name: 'a', order: 1 }, { name: 'b' }] },
      'body.labels[1].order',
      'ordinal labels need an order on every label',
    ],
    [
      'two labels with one order',
      {
        labels: [
          { name: 'a', order: 1 },
          { name: 'b', order: 1 },
        ],
      },
      'body.labels[1].order',
      'same order as label 0',
    ],
  ])('rejects %s with a 400 naming the field', async (_case, change, field, message) => {
    const body = { ...sentiment('invalid-task'), ...change };
    const response = await h.http().post('/v1/tasks').set('authorization', auth()).send(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([{ field, message: expect.stringContaining(message) }]),
    );
    // Nothing was written.
    const read = await h.http().get('/v1/tasks/invalid-task').set('authorization', auth());
    expect(read.status).toBe(404);
  });

  it('lists every problem of a body at once', async () => {
    const response = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth())
      .send({ slug: 'BAD', labels: [{ name: 'x' }], extra: 1 });
    expect(response.status).toBe(400);
    const fields = response.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['body.extra', 'body.instructions', 'body.labels', 'body.slug']);
  });

  it('answers an unknown task with a 404 problem', async () => {
    const response = await h.http().get('/v1/tasks/no-such-task').set('authorization', auth());
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      type: 'urn:tuneline:problem:not_found',
      title: 'Not Found',
      status: 404,
      code: 'not_found',
      detail: 'No task "no-such-task".',
      instance: '/v1/tasks/no-such-task',
      details: { resource: 'task', id: 'no-such-task' },
    });
    expect(response.body.request_id).toBe(response.headers['x-request-id']);
  });

  it('updates instructions and labels, keeping what was not sent', async () => {
    const created = await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('patchable'));
    const patched = await h
      .http()
      .patch('/v1/tasks/patchable')
      .set('authorization', auth())
      .send({ instructions: 'New instructions', labels: [{ name: 'pos' }, { name: 'neg' }, { name: 'neutral' }] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: created.body.id,
      slug: 'patchable',
      instructions: 'New instructions',
      labels: [{ name: 'pos' }, { name: 'neg' }, { name: 'neutral' }],
    });
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at));

    const description = await h
      .http()
      .patch('/v1/tasks/patchable')
      .set('authorization', auth())
      .send({ description: 'Reviews' });
    expect(description.body).toMatchObject({ description: 'Reviews', instructions: 'New instructions' });
  });

  it('rejects an empty or invalid patch', async () => {
    await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('patch-invalid')).expect(201);
    const empty = await h.http().patch('/v1/tasks/patch-invalid').set('authorization', auth()).send({});
    expect(empty.status).toBe(400);
    const slug = await h.http().patch('/v1/tasks/patch-invalid').set('authorization', auth()).send({ slug: 'renamed' });
    expect(slug.status).toBe(400);
    expect(slug.body.errors).toEqual([{ field: 'body.slug', message: 'is not a known field' }]);
    const dupes = await h
      .http()
      .patch('/v1/tasks/patch-invalid')
      .set('authorization', auth())
      .send({ labels: [{ name: 'a' }, { name: 'A' }] });
    expect(dupes.status).toBe(400);
    expect(dupes.body.errors[0].field).toBe('body.labels[1].name');
  });

  it('archives instead of deleting, and restores', async () => {
    await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment('archivable')).expect(201);
    const archived = await h.http().post('/v1/tasks/archivable/archive').set('authorization', auth());
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    expect(archived.body.archived_at).not.toBeNull();

    // Idempotent: archiving again keeps the first archive time.
    const again = await h
      .http()
      .post('/v1/tasks/archivable/archive')
      .set('authorization', auth())
      .set('content-type', 'application/json');
    expect(again.body.archived_at).toBe(archived.body.archived_at);

    // Still readable, but not changeable, and hidden from the default list.
    expect((await h.http().get('/v1/tasks/archivable').set('authorization', auth())).body.archived).toBe(true);
    const patch = await h.http().patch('/v1/tasks/archivable').set('authorization', auth()).send({ instructions: 'x' });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('archived');
    const listed = await h.http().get('/v1/tasks?limit=100').set('authorization', auth());
    expect(listed.body.data.map((t: { slug: string }) => t.slug)).not.toContain('archivable');
    const all = await h.http().get('/v1/tasks?limit=100&include_archived=true').set('authorization', auth());
    expect(all.body.data.map((t: { slug: string }) => t.slug)).toContain('archivable');

    const restored = await h.http().post('/v1/tasks/archivable/restore').set('authorization', auth());
    expect(restored.body).toMatchObject({ archived: false, archived_at: null });
  });

  it('pages through tasks with a cursor, newest first, without gaps or repeats', async () => {
    const slugs = Array.from({ length: 7 }, (_, i) => `paged-${i}`);
    for (const slug of slugs) {
      await h.http().post('/v1/tasks').set('authorization', auth()).send(sentiment(slug)).expect(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/tasks?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await h.http().get(url).set('authorization', auth());
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((t: { slug: string }) => t.slug));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    const paged = seen.filter((slug) => slug.startsWith('paged-'));
    expect(paged).toEqual([...slugs].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(seen.length / 3));
  });

  it('rejects a forged cursor and an out-of-range limit', async () => {
    const cursor = await h.http().get('/v1/tasks?cursor=not-a-cursor').set('authorization', auth());
    expect(cursor.status).toBe(400);
    expect(cursor.body).toMatchObject({ code: 'invalid_cursor', errors: [{ field: 'query.cursor' }] });
    const limit = await h.http().get('/v1/tasks?limit=1000').set('authorization', auth());
    expect(limit.status).toBe(400);
    expect(limit.body.errors).toEqual([{ field: 'query.limit', message: 'must be <= 100' }]);
  });
});
