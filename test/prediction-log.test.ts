import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictionLogRepository } from '../src/db/repositories/prediction-log-repository.js';
import { newId } from '../src/domain/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { predictionLog, type PredictionLog } from '../src/services/predictions/prediction-log.js';
import { storedPredictions } from './helpers/classify.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { metricValue } from './helpers/metrics.js';

/**
 * The writer's own defence, with records that never passed the HTTP edge: a record Postgres
 * refuses is found by splitting its batch, kept in a quarantine file and counted, and everything
 * else is written.
 */
let h: Harness;
let spillDir: string;
let metrics: Registry;
let log: PredictionLog;
const TASK = newId();

beforeAll(async () => {
  h = await createHarness();
  spillDir = await mkdtemp(join(tmpdir(), 'tuneline-spill-'));
  metrics = new Registry();
  log = predictionLog({
    predictionLogRepo: predictionLogRepository(h.runtime.database.pool),
    logger: createLogger({ level: 'silent', name: 'test' }),
    metrics,
    settings: { buffer: 1_000, batch: 50, flushMs: 5, spillDir, stallMs: 60_000 },
  });
});
afterAll(async () => {
  await log?.close(1_000);
  await h?.close();
  await rm(spillDir, { recursive: true, force: true });
});

const record = (fields: { inputText?: string; error?: string } = {}) => ({
  id: newId(),
  taskId: TASK,
  inputHash: 'hash',
  inputText: fields.inputText ?? 'fine',
  error: fields.error ?? null,
  latencyMs: 1,
  createdAt: new Date(),
});

async function spilledLines(prefix: string) {
  const files = (await readdir(spillDir)).filter((name) => name.startsWith(prefix));
  const text = (await Promise.all(files.map((name) => readFile(join(spillDir, name), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          id: string;
          input_text: string | null;
          error: string | null;
          quarantine: { sqlstate: string };
        },
    );
}

describe('prediction log', () => {
  it('quarantines the records Postgres refuses, writes the rest of their batch, and keeps writing', {
    timeout: 20_000,
  }, async () => {
    const good = Array.from({ length: 97 }, () => record());
    const nul = record({ inputText: 'a \u0000 b' });
    const surrogate = record({ error: 'provider said \ud800' });
    const batch = [...good.slice(0, 40), nul, ...good.slice(40, 70), surrogate, ...good.slice(70)];
    for (const entry of batch) await log.record(entry);
    await log.drain();

    expect(
      await storedPredictions(
        h,
        good.map((r) => r.id),
      ),
    ).toBe(97);
    expect(await storedPredictions(h, [nul.id, surrogate.id])).toBe(0);
    const quarantined = await spilledLines('prediction-log-quarantine-');
    expect(quarantined.map((line) => line.id).sort()).toEqual([nul.id, surrogate.id].sort());
    // The file keeps the record exactly (JSON escapes), so it can be repaired and replayed.
    expect(quarantined.find((line) => line.id === nul.id)?.input_text).toBe('a \u0000 b');
    expect(quarantined.find((line) => line.id === surrogate.id)?.error).toBe('provider said \ud800');
    expect(quarantined[0]?.quarantine.sqlstate).toMatch(/^22/);
    expect(metricValue(await metrics.metrics(), 'tuneline_prediction_log_quarantined_total')).toBe(2);
    expect(metricValue(await metrics.metrics(), 'tuneline_prediction_log_written_total')).toBe(97);

    const later = record();
    await log.record(later);
    await log.drain();
    expect(await storedPredictions(h, [later.id])).toBe(1);
    expect(log.health()).toMatchObject({ status: 'up', buffered: 0 });
  });
});
