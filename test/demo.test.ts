import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from './helpers/harness.js';
import { spawnEntry } from './helpers/processes.js';
import { freePort } from './helpers/redis-server.js';
import { databaseUrl, dropDatabase, TEST_REDIS_URL } from './helpers/services.js';

const database = uniqueName('tuneline_demo_t');
const queuePrefix = uniqueName('tl');
afterAll(async () => {
  await dropDatabase(database);
});

/** One `npm run demo --exit` against the test's database (the same one every time); its output. */
async function runDemo(): Promise<string> {
  const demo = spawnEntry('scripts/demo.ts', ['--exit'], {
    DATABASE_URL: databaseUrl(database),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: String(await freePort()),
  });
  expect(await demo.exited(60_000), demo.output()).toBe(0);
  return demo.output();
}

/**
 * What a run tells: its versions, labels, reviews, metrics, leaderboard, promotions and answers,
 * without what differs by nature from run to run (ids, the run's slug, keys, timings).
 */
const story = (output: string): string[] =>
  output
    .split(/[\r\n]+/)
    .filter((line) =>
      /^\s*(version \d|labels:|splits:|tokens per text|content hash|train export|\S+ \(0\.\d\d\) →|local model trained|epoch +\d|#\d|audit:|instructional|other|accuracy|macro avg|weighted avg|true \\|no usable|last 24 h|feedback merged)/.test(
        line,
      ),
    )
    .map((line) =>
      line
        .replace(/grappling-titles-[a-z0-9]+/g, 'SLUG')
        .replace(/-local-[0-9a-f]+/g, '-local-X')
        .replace(/[\d.]+ ms/g, 'N ms')
        .trimEnd(),
    );

describe('npm run demo', () => {
  let first = '';
  it('creates its database, runs the walkthrough through the API and exits cleanly with --exit', async () => {
    first = await runDemo();
    const output = first;
    expect(output).toContain(`created database ${database}`);
    expect(output).toMatch(/task grappling-titles-[a-z0-9]+ \(/);
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
    // Progress while it trains, from the trainer's events (the curve is only stored at the end).
    expect(output).toMatch(/training: running, Epoch \d+\/\d+: training loss/);
    expect(output).toMatch(/local model trained \(\d+ epochs/);
    expect(output).toMatch(/precision +recall +f1-score +support/);
    expect(output).toMatch(/#1 .*← champion/);
    expect(output).toMatch(/#2 .*McNemar p=/);
    // The promotion audit, oldest first: the fallback came before the promotion.
    const audit = output.split('\n').filter((line) => line.includes('audit: '));
    expect(audit[0]).toContain('audit: set_fallback');
    expect(audit.at(-1)).toContain('audit: auto_promote');
    expect(output).toMatch(
      /instructional +0\.\d\d +by champion \(grappling-titles-[a-z0-9]+-local-\w+\), [\d.]+ ms +"Arm drag/,
    );
    expect(output).toMatch(/by fallback \(prompt-only few-shot\), champion skipped: connection_error/);
    expect(output).toMatch(/by fallback \(prompt-only few-shot\), champion skipped: circuit_open/);
    expect(output).toContain('rolled back: the local model is champion again');
    expect(output).toMatch(/last 24 h: 12 predictions, fallback rate 67 %, .*live accuracy \d+ % on 4 feedback/);
    expect(output).toMatch(/version 5 \(merge_feedback\): 34\d rows/);
    expect(output).toMatch(/housekeeping job purge-revoked-keys-\S+: completed, result \{"deleted":0\}/);
    expect(output).toMatch(/API docs \(Swagger UI\): +http:\/\/127\.0\.0\.1:\d+\/docs/);
    // It ends with where the console is and the key to sign in with.
    const last = output.trimEnd().split('\n').slice(-2);
    expect(last[0]).toMatch(/Web console: +http:\/\/127\.0\.0\.1:\d+\/console\/$/);
    expect(last[1]).toMatch(/Sign in with this key: +demo-admin-[0-9a-f]{32}$/);
  }, 90_000);

  it('tells the same story when run again against the same database', async () => {
    expect(first).not.toBe('');
    const second = await runDemo();
    expect(second).not.toContain('created database');
    expect(second).toMatch(/audit: auto_promote: macro_f1 0\.\d+ beats fallback/);
    expect(story(second)).toEqual(story(first));
    expect(story(first).filter((line) => line.includes('audit:')).length).toBeGreaterThan(0);
  }, 90_000);
});
