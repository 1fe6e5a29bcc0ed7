/**
 * The classify endpoint under load (issue #7's goals): added latency one request at a time,
 * classifications per second, p50 / p99, errors, and that every answered prediction is logged.
 *
 *   npx tsx bench/classify.ts [seconds=10] [connections=64]
 *
 * Runs the OpenAI fake and the API as their own processes (as in production, the load generator
 * does not share the API's event loop), a throw-away database, and a worker only while the
 * local model trains. Scenarios:
 *   (a) a local trained model as champion;
 *   (b) an OpenAI-compatible champion on the fake, 50 ms fixed upstream latency (then 20 ms);
 *   (c) the champion failing (its circuit opens), the local prompt-only fallback serving.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { predictionLogRepository } from '../src/db/repositories/prediction-log-repository.js';
import { newId } from '../src/domain/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { predictionLog } from '../src/services/predictions/prediction-log.js';
import { Registry } from 'prom-client';
import { load as loadFor, ms, percentile, sequential } from './http-timing.js';
import { apiClient, start, startApi, stop } from './processes.js';
import { benchEnv, benchPool, throwAwayDatabase } from './support.js';

const [SECONDS = 10, CONNECTIONS = 64] = process.argv.slice(2).map(Number);
const SEQUENTIAL = 400;
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;
const TOPICS = {
  billing: [
    'refund for a double charge',
    'the invoice total is wrong',
    'card charged twice',
    'cancel my subscription and refund',
  ],
  bug: [
    'the app crashes on start',
    'error 500 when saving',
    'button does nothing on android',
    'export produces an empty file',
  ],
  other: ['please add dark mode', 'love the new design', 'how do I invite a colleague', 'where is your office'],
} as const;

/** The fields of a fine-tune this script reads while it waits for the training. */
interface FineTuneState {
  id: string;
  status: string;
  model_version_id: string | null;
}

async function main() {
  const database = await throwAwayDatabase();
  const fake = start('test/fakes/openai/cli.ts', ['--port', '0', '--latency-ms', '50'], {});
  const fakeUrl = (await fake.firstLine).trim().match(/https?:\/\/\S+/)![0];
  const fakeControl = fakeUrl.replace(/\/v1\/?$/, '/_fake');
  const control = (path: string, payload: unknown) =>
    fetch(`${fakeControl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  await control('/configure', {
    script: {
      rules: [
        { contains: 'refund', answer: 'billing' },
        { contains: 'invoice', answer: 'billing' },
        { contains: 'crash', answer: 'bug' },
      ],
      default: 'other',
    },
  });
  const api = await startApi(benchEnv(database, ADMIN, fakeUrl), { CIRCUIT_WINDOW_MS: '2000' });
  const { base, env } = api;
  const children: ChildProcess[] = [fake.child, api.child];
  const pool = benchPool(database.url);
  try {
    const call = apiClient(base, ADMIN);

    // A task, 600 labeled tickets, a split, a local model trained by a worker, a hosted and a prompt-only model.
    await call('POST', '/v1/tasks', {
      slug: 'tickets',
      instructions: 'Route the support ticket.',
      labels: [{ name: 'billing' }, { name: 'bug' }, { name: 'other' }],
    });
    const rows = Array.from({ length: 600 }, (_, i) => {
      const label = (['billing', 'bug', 'other'] as const)[i % 3]!;
      return JSON.stringify({ text: `Ticket ${i}: ${TOPICS[label][i % 4]}`, label });
    }).join('\n');
    const imported = await call<{ version: { id: string } }>(
      'POST',
      '/v1/tasks/tickets/datasets?name=tickets',
      rows,
      'application/jsonl',
    );
    const split = await call('POST', `/v1/dataset-versions/${imported.version.id}/derive`, {
      operations: [{ op: 'split', train: 0.8, validation: 0, test: 0.2 }],
    });
    const worker = start('src/start/worker.ts', ['--queues', 'training', '--concurrency', '1'], env);
    children.push(worker.child);
    const fineTune = await call<FineTuneState>('POST', '/v1/tasks/tickets/fine-tunes', {
      dataset_version_id: split['id'],
      provider: 'local',
      seed: 1,
    });
    let trained = fineTune;
    while (!['succeeded', 'failed'].includes(trained['status'])) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      trained = await call<FineTuneState>('GET', `/v1/fine-tunes/${fineTune['id']}`);
    }
    await stop(worker.child);
    if (trained['status'] !== 'succeeded') throw new Error(`local training ${trained['status']}`);
    const localModel = trained['model_version_id'] as string;
    const hosted = (
      await call('POST', '/v1/tasks/tickets/model-versions', {
        kind: 'prompt',
        provider: 'openai',
        model: 'gpt-4o-mini',
        name: 'hosted',
      })
    )['id'] as string;
    const fallback = (
      await call('POST', '/v1/tasks/tickets/model-versions', {
        kind: 'prompt',
        provider: 'local',
        name: 'prompt-only',
        few_shot_from: { dataset_version_id: split['id'], k: 30 },
      })
    )['id'] as string;
    await call('PATCH', '/v1/tasks/tickets/routing', {
      fallback_model_version_id: fallback,
      timeout_ms: 1_000,
      auto_promote: false,
    });
    const promote = (id: string) => call('POST', '/v1/tasks/tickets/routing/promote', { model_version_id: id });

    const url = `${base}/v1/tasks/tickets/classify`;
    const headers = { authorization: `Bearer ${ADMIN}` };
    const body = JSON.stringify({ input: 'Ticket 12345: I was charged twice, please refund the invoice' });
    // The upstream alone: the very request Tuneline sends for this input, sent straight to the fake.
    const upstream = async () => {
      await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      const sent = (await (await fetch(`${fakeControl}/requests?path=/v1/chat/completions&limit=1`)).json()) as {
        data: { body: unknown }[];
      };
      return sequential(
        `${fakeUrl}/chat/completions`,
        JSON.stringify(sent.data[0]!.body),
        { authorization: 'Bearer sk-bench' },
        SEQUENTIAL,
      );
    };
    const predictionCount = async () =>
      Number((await pool.query('SELECT count(*)::int AS n FROM predictions')).rows[0].n);
    const report = async (name: string, upstreamTimes: number[] | null) => {
      const one = await sequential(url, body, headers, SEQUENTIAL);
      const line = [`  one at a time (${SEQUENTIAL}): p50 ${ms(percentile(one, 50))}, p99 ${ms(percentile(one, 99))}`];
      if (upstreamTimes) {
        line.push(
          `upstream alone p50 ${ms(percentile(upstreamTimes, 50))}, p99 ${ms(percentile(upstreamTimes, 99))}; ` +
            `Tuneline adds p50 ${ms(percentile(one, 50) - percentile(upstreamTimes, 50))}, p99 ${ms(percentile(one, 99) - percentile(upstreamTimes, 99))}`,
        );
      }
      const loaded = await loadFor(url, [body], headers, { connections: CONNECTIONS, seconds: SECONDS });
      console.log(
        `${name}\n${line.join('; ')}\n  ${CONNECTIONS} connections × ${SECONDS} s: ${loaded.perSecond.toFixed(0)} classifications/s, p50 ${loaded.p50} ms, p99 ${loaded.p99} ms, errors ${loaded.failed} of ${loaded.total} (${((loaded.failed / Math.max(1, loaded.total)) * 100).toFixed(3)} %)`,
      );
      return { one, loaded };
    };

    console.log(
      `classify benchmark: ${SECONDS} s per load run, ${CONNECTIONS} connections, API, fake and load generator in separate processes`,
    );
    /** The API process's CPU seconds and classifications so far, from its own /metrics. */
    const apiCounters = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const sum = (prefix: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(prefix))
          .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
      return { cpu: sum('process_cpu_seconds_total'), classified: sum('tuneline_classify_total{') };
    };
    const floor = await sequential(`${base}/health/live`, null, {}, SEQUENTIAL);
    console.log(
      `floor: GET /health/live one at a time p50 ${ms(percentile(floor, 50))}, p99 ${ms(percentile(floor, 99))}`,
    );
    await promote(localModel);
    const before = await apiCounters();
    const local = await report('(a) local trained model as champion', null);
    const after = await apiCounters();
    const apiCpuPerCall = ((after.cpu - before.cpu) / (after.classified - before.classified)) * 1e6;
    console.log(
      `  Tuneline adds p50 ${ms(percentile(local.one, 50) - percentile(floor, 50))}, p99 ${ms(percentile(local.one, 99) - percentile(floor, 99))} over the HTTP floor (the model itself included)`,
    );

    await promote(hosted);
    await control('/configure', { faults: { latencyMs: 50 } });
    await report('(b) OpenAI-compatible champion on the fake, 50 ms upstream', await upstream());
    await control('/configure', { faults: { latencyMs: 20 } });
    await report('(b′) the same with 20 ms upstream', await upstream());

    // The prompt-only fallback alone, then behind a failing champion.
    await promote(fallback);
    const fallbackAlone = await sequential(url, body, headers, SEQUENTIAL);
    await promote(hosted);
    await control('/configure', { faults: { errorRate: 1, latencyMs: 0 } });
    // Fail until the champion's circuit opens, as it would in production within CIRCUIT_WINDOW_MS.
    for (let reason = ''; reason !== 'circuit_open'; ) {
      const answer = (await (
        await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
      ).json()) as { results: { fallback_reason: string }[] };
      reason = answer.results[0]!.fallback_reason;
    }
    const failing = await report('(c) champion failing (circuit open), prompt-only fallback serving', null);
    console.log(
      `  fallback alone p50 ${ms(percentile(fallbackAlone, 50))}, p99 ${ms(percentile(fallbackAlone, 99))}; behind the failing champion it adds p50 ` +
        `${ms(percentile(failing.one, 50) - percentile(fallbackAlone, 50))}, p99 ${ms(percentile(failing.one, 99) - percentile(fallbackAlone, 99))}`,
    );

    // The prediction log's own cost: the same writer, in this process, against the same database.
    const logCost = await measureLog(database.url, 50_000);
    console.log(
      `prediction log: ${logCost.toFixed(1)} µs of CPU per record (buffer + batch INSERT, this process) against ${apiCpuPerCall.toFixed(0)} µs of API CPU ` +
        `per classification in (a): ${((logCost / apiCpuPerCall) * 100).toFixed(1)} % of the API's work (Postgres's side of the INSERTs runs in its own processes)`,
    );

    // Every classification the API made is in the log once the buffer drains.
    // What the API says it answered or failed (its own counter), to compare with the log.
    const made = (await apiCounters()).classified;
    let stored = 0;
    for (let i = 0; i < 50 && stored < made; i++) {
      stored = await predictionCount();
      if (stored < made) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(
      `prediction log: ${stored} records for ${made} classifications the API made (${made - stored} missing)`,
    );
  } finally {
    await stop(api.child);
    for (const child of children) await stop(child);
    await pool.end();
    await database.drop();
  }
}

/** CPU microseconds per record for the prediction log writer: record `count` predictions, drain. */
async function measureLog(url: string, count: number): Promise<number> {
  const pool = benchPool(url, 4);
  const log = predictionLog({
    predictionLogRepo: predictionLogRepository(pool),
    logger: createLogger({ level: 'warn', name: 'bench' }),
    metrics: new Registry(),
    settings: { buffer: 20_000, batch: 500, flushMs: 100, spillDir: 'var/prediction-log', stallMs: 15_000 },
  });
  const taskId = newId();
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    await log.record({
      id: newId(),
      taskId,
      inputHash: 'a'.repeat(64),
      inputText: `Ticket ${i}: I was charged twice, please refund the invoice`,
      label: 'billing',
      confidence: 0.93,
      probabilities: { billing: 0.93, bug: 0.04, other: 0.03 },
      modelVersionId: taskId,
      servedBy: 'champion',
      latencyMs: 0.42,
      createdAt: new Date(),
    });
  }
  await log.drain();
  const used = process.cpuUsage(started);
  await pool.query('DELETE FROM predictions WHERE task_id = $1', [taskId]);
  await pool.end();
  return (used.user + used.system) / count;
}

await main();
