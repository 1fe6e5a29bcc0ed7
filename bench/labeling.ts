/**
 * LLM labeling throughput against the OpenAI fake with real RPM and TPM limits (issue #4's goal:
 * at least 90 % of the binding limit, fewer than 1 % of requests answered 429, every example
 * labeled exactly once).
 *
 *   npx tsx bench/labeling.ts [examples=2000] [workers=4] [rpm=1200] [tpm=90000]
 *
 * Starts the fake, a throw-away database, the API in this process and N worker processes, then
 * labels N unlabeled examples through the HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime } from '../src/start/runtime.js';
import { startOpenAIFake } from '../test/fakes/openai/index.js';
import { benchEnv, throwAwayDatabase } from './support.js';

const [EXAMPLES = 2000, WORKERS = 4, RPM = 1200, TPM = 90_000] = process.argv.slice(2).map(Number);
const ADMIN = `bench-${randomBytes(12).toString('hex')}`;
const SUBJECTS = [
  'refund for a double charge',
  'the app crashes on start',
  'please add dark mode',
  'cannot reset my password',
  'the invoice total is wrong',
];

/** The fields of a label run this script reads while it follows the run. */
interface LabelRunState {
  id: string;
  status: string;
  done: number;
  total: number;
  rate_per_minute: number;
  started_at: string;
  finished_at: string;
}

async function main() {
  const fake = await startOpenAIFake({
    rateLimits: { rpm: RPM, tpm: TPM },
    faults: { latencyMs: 50, latencyJitterMs: 20 },
  });
  fake.script({
    rules: [
      { contains: 'refund', answer: 'billing' },
      { contains: 'invoice', answer: 'billing' },
      { contains: 'crash', answer: 'bug' },
    ],
    default: 'other',
  });
  const database = await throwAwayDatabase();
  const env = benchEnv(database, ADMIN, fake.url);
  const config = loadConfig({ ...env, MIGRATE_ON_START: 'true' });
  const logger = createLogger({ level: config.logLevel, name: 'bench' });
  const runtime = await openRuntime(config, logger, 'api');
  const app = await buildApp({ ...runtime, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return (await response.json()) as T;
  };

  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < WORKERS; i++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/start/worker.ts', '--queues', 'labeling', '--concurrency', '8'],
        {
          env: { PATH: process.env['PATH'] ?? '', ...env },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      workers.push(child);
    }
    await call('POST', '/v1/tasks', {
      slug: 'bench',
      instructions: 'Route the support ticket.',
      labels: [{ name: 'billing' }, { name: 'bug' }, { name: 'other' }],
    });
    const file = Array.from({ length: EXAMPLES }, (_, i) =>
      JSON.stringify({ text: `Ticket ${i}: ${SUBJECTS[i % SUBJECTS.length]}, please help` }),
    ).join('\n');
    const imported = await call<{ version: { id: string } }>(
      'POST',
      '/v1/tasks/bench/datasets?name=bench',
      file,
      'application/jsonl',
    );
    console.log(
      `examples: ${EXAMPLES}, worker processes: ${WORKERS} × concurrency 8, fake limits: ${RPM} RPM / ${TPM} TPM, latency 50±20 ms`,
    );

    const run = await call<LabelRunState>('POST', `/v1/dataset-versions/${imported.version.id}/label-runs`, {
      provider: 'openai',
      mode: 'zero_shot',
      rate_limit: { rpm: RPM, tpm: TPM },
    });
    let state = run;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      state = await call<LabelRunState>('GET', `/v1/label-runs/${run['id']}`);
      process.stdout.write(
        `\r  ${state['done']}/${state['total']} ${state['status']}, ${state['rate_per_minute']}/min   `,
      );
      if (['completed', 'failed', 'cancelled'].includes(state['status'])) break;
    }
    process.stdout.write('\n');
    const seconds = (Date.parse(state['finished_at']) - Date.parse(state['started_at'])) / 1000;
    const stats = fake.stats();
    const served = stats.requests.byStatus['200'] ?? 0;
    const chat = fake.requests.filter((request) => request.path === '/v1/chat/completions' && request.status === 200);
    // The fake charges each request its prompt plus the completion tokens it asked for, as OpenAI does.
    const charged = chat.reduce((sum, request) => {
      const body = request.body as { max_completion_tokens?: number };
      return sum + (body.max_completion_tokens ?? 0);
    }, stats.tokens.prompt);
    const requestShare = served / seconds / (RPM / 60);
    const tokenShare = charged / seconds / (TPM / 60);
    const binding = tokenShare >= requestShare ? 'TPM' : 'RPM';
    const check = await runtime.database.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT example_id)::int AS d FROM label_results WHERE run_id = $1',
      [run['id']],
    );
    console.log(`status: ${state['status']} in ${seconds.toFixed(1)} s`);
    console.log(
      `throughput: ${((served / seconds) * 60).toFixed(0)} requests/min (${(requestShare * 100).toFixed(1)} % of RPM), ${((charged / seconds) * 60).toFixed(0)} tokens/min (${(tokenShare * 100).toFixed(1)} % of TPM); binding limit ${binding}: ${(Math.max(requestShare, tokenShare) * 100).toFixed(1)} %, goal ≥ 90 %`,
    );
    console.log(
      `429 answers: ${stats.rateLimited.total} of ${stats.requests.total} requests (${((stats.rateLimited.total / Math.max(1, stats.requests.total)) * 100).toFixed(2)} %), goal < 1 %`,
    );
    console.log(
      `exactly once: ${check.rows[0].n} results for ${check.rows[0].d} distinct examples of ${EXAMPLES}; ${served} successful provider calls`,
    );
  } finally {
    for (const child of workers) child.kill('SIGTERM');
    await Promise.all(
      workers.map(
        (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
      ),
    );
    await app.close();
    for (const phase of runtime.closePhases()) await phase.run();
    await fake.close();
    await database.drop();
  }
}

await main();
