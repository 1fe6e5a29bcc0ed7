import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from './helpers/harness.js';
import { spawnEntry } from './helpers/processes.js';
import { freePort } from './helpers/redis-server.js';
import { databaseUrl, dropDatabase, TEST_REDIS_URL } from './helpers/services.js';

const database = uniqueName('tuneline_demo_t');
afterAll(async () => {
  await dropDatabase(database);
});

describe('npm run demo', () => {
  it('creates its database, runs the walkthrough through the API and exits cleanly with --exit', async () => {
    const demo = spawnEntry('scripts/demo.ts', ['--exit'], {
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: uniqueName('tl'),
      PORT: String(await freePort()),
    });
    expect(await demo.exited(60_000)).toBe(0);
    const output = demo.output();
    expect(output).toContain(`created database ${database}`);
    expect(output).toContain('task grappling-titles');
    expect(output).toContain('it may not manage keys: 403 forbidden');
    expect(output).toMatch(/local +local +configured +in-process +trains +health: ok/);
    expect(output).toContain('version 1 (import): 360 rows, 260 labeled, 100 unlabeled, 14 duplicates');
    expect(output).toMatch(
      /version 2 \(derive\): 340 rows, .*\n.*\n {2}splits: train \d+, validation \d+, test \d+, unassigned 0/,
    );
    expect(output).toMatch(/\] 100\/100 completed/);
    expect(output).toContain('version 3 (label): 340 rows, 340 labeled, 0 unlabeled');
    expect(output).toMatch(/\(0\.\d\d\) → (confirmed|corrected to \w+): "/);
    expect(output).toContain('version 4 (review): 340 rows, 340 labeled');
    expect(output).toMatch(/local model trained \(\d+ epochs/);
    expect(output).toMatch(/precision +recall +f1-score +support/);
    expect(output).toMatch(/#1 .*← champion/);
    expect(output).toMatch(/#2 .*McNemar p=/);
    expect(output).toMatch(/instructional +0\.\d\d +by champion \(grappling-titles-local-\w+\), [\d.]+ ms +"Arm drag/);
    expect(output).toMatch(/by fallback \(prompt-only few-shot\), champion skipped: connection_error/);
    expect(output).toMatch(/by fallback \(prompt-only few-shot\), champion skipped: circuit_open/);
    expect(output).toContain('rolled back: the local model is champion again');
    expect(output).toMatch(/last 24 h: 12 predictions, fallback rate 67 %, .*live accuracy \d+ % on 4 feedback/);
    expect(output).toMatch(/version 5 \(merge_feedback\): 34\d rows/);
    expect(output).toMatch(/housekeeping job purge-revoked-keys-\S+: completed, result \{"deleted":0\}/);
    expect(output).toMatch(/API docs \(Swagger UI\): +http:\/\/127\.0\.0\.1:\d+\/docs/);
  });
});
