/**
 * The classify endpoint under load: added latency one request at a time, requests per second at
 * 64 connections, CPU per request, errors, and that every answered prediction is logged.
 *
 *   npx tsx bench/classify.ts [seconds=10] [connections=64] [rounds=3]
 *
 * Runs the OpenAI fake (20 ms per answer), a minimal one-hop proxy (bench/one-hop-proxy.ts) and
 * the API as their own processes, a throw-away database, and a worker only while the local model
 * trains. In interleaved rounds (these machines are noisy; medians are printed) it measures four
 * paths: the upstream directly, the proxy in front of it (the floor: one extra hop), Tuneline
 * with a hosted champion on the fake, and Tuneline with a local trained champion. Throughput is
 * printed as a ratio of the floor's, measured in the same run. Then (c): the champion failing
 * (its circuit opens), the local prompt-only fallback serving.
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

const [SECONDS = 10, CONNECTIONS = 64, ROUNDS = 3] = process.argv.slice(2).map(Number);
const SEQUENTIAL = 400;
const UPSTREAM_MS = 20;
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

    // A second task whose champion is the hosted model, so the hosted and local paths can be
    // measured interleaved without promoting back and forth.
    await call('POST', '/v1/tasks', {
      slug: 'tickets-hosted',
      instructions: 'Route the support ticket.',
      labels: [{ name: 'billing' }, { name: 'bug' }, { name: 'other' }],
    });
    const hostedChampion = (
      await call('POST', '/v1/tasks/tickets-hosted/model-versions', {
        kind: 'prompt',
        provider: 'openai',
        model: 'gpt-4o-mini',
        name: 'hosted',
      })
    )['id'] as string;
    await call('POST', '/v1/tasks/tickets-hosted/routing/promote', { model_version_id: hostedChampion });
    await call('PATCH', '/v1/tasks/tickets-hosted/routing', { timeout_ms: 1_000, auto_promote: false });
    await promote(localModel);

    const headers = { authorization: `Bearer ${ADMIN}` };
    const body = JSON.stringify({ input: 'Ticket 12345: I was charged twice, please refund the invoice' });
    const classifyUrl = (task: string) => `${base}/v1/tasks/${task}/classify`;
    await control('/configure', { faults: { latencyMs: UPSTREAM_MS } });
    // The very request Tuneline sends upstream for this input, to send straight to the fake and through the proxy.
    await fetch(classifyUrl('tickets-hosted'), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    const sent = (await (await fetch(`${fakeControl}/requests?path=/v1/chat/completions&limit=1`)).json()) as {
      data: { body: unknown }[];
    };
    const upstreamBody = JSON.stringify(sent.data[0]!.body);
    const proxy = start('bench/one-hop-proxy.ts', [new URL(fakeUrl).origin], {});
    children.push(proxy.child);
    const proxyBase = (await proxy.firstLine).trim();
    const upstreamPath = `${new URL(fakeUrl).pathname}/chat/completions`;
    const upstreamHeaders = { authorization: 'Bearer sk-bench' };

    /** CPU microseconds a process has used so far: the API's from its /metrics, the proxy's from /_cpu. */
    const apiCounters = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const sum = (prefix: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(prefix))
          .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
      return { cpuMicros: sum('process_cpu_seconds_total') * 1e6, classified: sum('tuneline_classify_total{') };
    };
    const proxyCpu = async () =>
      ((await (await fetch(`${proxyBase}/_cpu`)).json()) as { cpu_micros: number }).cpu_micros;

    interface PathRun {
      one: number[];
      perSecond: number;
      p50: number;
      p99: number;
      failed: number;
      total: number;
      cpuPerRequest: number | null;
    }
    const paths: {
      name: string;
      url: string;
      body: string;
      headers: Record<string, string>;
      cpu?: () => Promise<number>;
    }[] = [
      {
        name: 'upstream directly',
        url: `${new URL(fakeUrl).origin}${upstreamPath}`,
        body: upstreamBody,
        headers: upstreamHeaders,
      },
      {
        name: 'one-hop proxy (floor)',
        url: `${proxyBase}${upstreamPath}`,
        body: upstreamBody,
        headers: upstreamHeaders,
        cpu: proxyCpu,
      },
      {
        name: 'Tuneline, hosted champion',
        url: classifyUrl('tickets-hosted'),
        body,
        headers,
        cpu: async () => (await apiCounters()).cpuMicros,
      },
      {
        name: 'Tuneline, local champion',
        url: classifyUrl('tickets'),
        body,
        headers,
        cpu: async () => (await apiCounters()).cpuMicros,
      },
    ];
    const runs = new Map<string, PathRun[]>(paths.map((path) => [path.name, []]));

    console.log(
      `classify benchmark: ${UPSTREAM_MS} ms upstream, ${ROUNDS} interleaved rounds of ${SEQUENTIAL} sequential requests and ` +
        `${CONNECTIONS} connections × ${SECONDS} s per path; API, fake, proxy and load generator in separate processes`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const path of paths) {
        const one = await sequential(path.url, path.body, path.headers, SEQUENTIAL);
        const cpuBefore = path.cpu ? await path.cpu() : 0;
        const loaded = await loadFor(path.url, [path.body], path.headers, {
          connections: CONNECTIONS,
          seconds: SECONDS,
        });
        const cpuPerRequest = path.cpu ? ((await path.cpu()) - cpuBefore) / Math.max(1, loaded.total) : null;
        runs.get(path.name)!.push({ one, ...loaded, cpuPerRequest });
        console.log(
          `  round ${round} ${path.name}: p50 ${ms(percentile(one, 50))}, ${loaded.perSecond.toFixed(0)}/s, errors ${loaded.failed}`,
        );
      }
    }

    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const summary = (name: string) => {
      const taken = runs.get(name)!;
      const cpu = taken.map((run) => run.cpuPerRequest).filter((value): value is number => value !== null);
      return {
        p50: median(taken.map((run) => percentile(run.one, 50))),
        p99: median(taken.map((run) => percentile(run.one, 99))),
        perSecond: median(taken.map((run) => run.perSecond)),
        loadP50: median(taken.map((run) => run.p50)),
        loadP99: median(taken.map((run) => run.p99)),
        failed: taken.reduce((sum, run) => sum + run.failed, 0),
        total: taken.reduce((sum, run) => sum + run.total, 0),
        cpu: cpu.length > 0 ? median(cpu) : null,
      };
    };
    const direct = summary('upstream directly');
    const floorRun = summary('one-hop proxy (floor)');
    console.log(
      `\nmedians of ${ROUNDS} rounds; added latency is over the upstream directly, throughput a ratio of the floor's`,
    );
    console.log(
      '| path | one at a time p50 / p99 | added p50 / p99 | req/s at 64 connections | × floor | load p50 / p99 | CPU per request | errors |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const path of paths) {
      const figures = summary(path.name);
      const hosted = path.name !== 'Tuneline, local champion';
      const added =
        path.name === 'upstream directly' || !hosted
          ? '—'
          : `+${ms(figures.p50 - direct.p50)} / +${ms(figures.p99 - direct.p99)}`;
      console.log(
        `| ${path.name} | ${ms(figures.p50)} / ${ms(figures.p99)} | ${added} | ${figures.perSecond.toFixed(0)} | ` +
          `${(figures.perSecond / floorRun.perSecond).toFixed(2)} × | ${figures.loadP50} / ${figures.loadP99} ms | ` +
          `${figures.cpu === null ? '—' : `${figures.cpu.toFixed(0)} µs`} | ${figures.failed} of ${figures.total} |`,
      );
    }
    const hostedRun = summary('Tuneline, hosted champion');
    const localRun = summary('Tuneline, local champion');
    console.log(
      `goals: hosted ≥ 0.80 × floor: ${(hostedRun.perSecond / floorRun.perSecond).toFixed(2)} ×; ` +
        `hosted adds p50 ≤ 1.00 ms: +${ms(hostedRun.p50 - direct.p50)}; local ≥ 2 × floor: ${(localRun.perSecond / floorRun.perSecond).toFixed(2)} ×; ` +
        `errors ${hostedRun.failed + localRun.failed}`,
    );

    // The prompt-only fallback alone, then behind a failing champion.
    const url = classifyUrl('tickets');
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
    const failing = await sequential(url, body, headers, SEQUENTIAL);
    const failingLoad = await loadFor(url, [body], headers, { connections: CONNECTIONS, seconds: SECONDS });
    console.log(
      `\n(c) champion failing (circuit open), prompt-only fallback serving: p50 ${ms(percentile(failing, 50))}, ` +
        `${failingLoad.perSecond.toFixed(0)}/s, errors ${failingLoad.failed} of ${failingLoad.total}; the fallback alone p50 ` +
        `${ms(percentile(fallbackAlone, 50))}, so the failing champion adds ${ms(percentile(failing, 50) - percentile(fallbackAlone, 50))}`,
    );

    // The prediction log's own cost: the same writer, in this process, against the same database.
    const logCost = await measureLog(database.url, 50_000);
    const apiCpuPerCall = localRun.cpu ?? Number.NaN;
    console.log(
      `prediction log: ${logCost.toFixed(1)} µs of CPU per record (buffer + batch INSERT, this process) against ${apiCpuPerCall.toFixed(0)} µs of API CPU ` +
        `per local classification: ${((logCost / apiCpuPerCall) * 100).toFixed(1)} % of the API's work (Postgres's side of the INSERTs runs in its own processes)`,
    );

    // Every classification the API made is in the log once the buffer drains.
    const predictionCount = async () =>
      Number((await pool.query('SELECT count(*)::int AS n FROM predictions')).rows[0].n);
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
