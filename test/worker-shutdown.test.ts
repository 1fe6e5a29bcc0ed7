import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { spawnEntry, type Spawned } from './helpers/processes.js';

let h: Harness;
let worker: Spawned | undefined;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  worker?.kill();
  await h?.close();
});

describe('worker shutdown', () => {
  it('finishes the job it is running when it receives SIGTERM, then exits cleanly', async () => {
    // A key revoked long ago: the housekeeping purge should delete it.
    const created = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', bearer(ADMIN_KEY))
      .send({ name: 'old', scopes: ['write'] });
    await h.runtime.database.pool.query("UPDATE api_keys SET revoked_at = now() - interval '40 days' WHERE id = $1", [
      created.body.id,
    ]);

    // Hold a lock on the table so the purge job blocks mid-run, as a long job would.
    const locker = new pg.Client({ connectionString: h.config.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');

    worker = spawnEntry('src/start/worker.ts', ['--queues', 'housekeeping', '--concurrency', '1'], {
      ...h.env,
      LOG_LEVEL: 'info',
    });
    await worker.waitFor('workers started');

    const enqueued = await h.http().post('/v1/maintenance/purge-revoked-keys').set('authorization', bearer(ADMIN_KEY));
    expect(enqueued.status).toBe(202);
    expect(enqueued.body.queue).toBe('housekeeping');

    const queue = h.runtime.queues.get('housekeeping');
    await expect.poll(() => queue.getActiveCount(), { timeout: 10_000 }).toBe(1);
    const [active] = await queue.getActive();

    worker.kill('SIGTERM');
    await worker.waitFor('shutting down');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(worker.child.exitCode).toBeNull(); // still finishing its job

    await locker.query('COMMIT');
    await locker.end();
    expect(await worker.exited()).toBe(0);

    const finished = await queue.getJob(active!.id!);
    expect(await finished!.getState()).toBe('completed');
    expect(await queue.getFailedCount()).toBe(0);
    const left = await h.runtime.database.pool.query('SELECT 1 FROM api_keys WHERE id = $1', [created.body.id]);
    expect(left.rowCount).toBe(0);
    expect(worker.output()).toContain('shutdown complete');
  });

  it('enqueues one purge per hour however often it is asked', async () => {
    const first = await h.http().post('/v1/maintenance/purge-revoked-keys').set('authorization', bearer(ADMIN_KEY));
    const second = await h.http().post('/v1/maintenance/purge-revoked-keys').set('authorization', bearer(ADMIN_KEY));
    expect(second.body.job_id).toBe(first.body.job_id);
  });
});
