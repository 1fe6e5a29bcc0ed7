/**
 * `npm run demo`: the whole product on this machine, through its HTTP API.
 * Uses local Postgres and Redis (or DATABASE_URL / REDIS_URL), creates the demo database if needed,
 * migrates it, runs the API and every worker in this one process, and walks through the loop.
 * Pass `--exit` to stop after the walkthrough instead of serving until Ctrl+C.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { startApi } from '../src/api/server.js';
import { loadConfig } from '../src/config.js';
import { runMain } from '../src/lib/entry-point.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime } from '../src/lib/runtime.js';
import { installShutdown } from '../src/lib/shutdown.js';
import { startWorkers } from '../src/workers/main.js';
import { QUEUE_NAMES } from '../src/workers/queues.js';
import { DEFAULT_CONCURRENCY } from '../src/workers/worker-args.js';

const exitWhenDone = process.argv.includes('--exit');
const step = (text: string) => process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
const show = (text: string) => process.stdout.write(`  ${text}\n`);

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      show(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

function apiClient(base: string, key: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}

const SAMPLE_TASK = {
  slug: 'grappling-titles',
  description: 'Is a YouTube video title a grappling (BJJ, wrestling, judo) instructional?',
  instructions:
    'You label YouTube video titles. Answer "instructional" when the video teaches a grappling technique ' +
    '(a sweep, a pass, a submission, a takedown, a drill); answer "other" for matches, vlogs, news and everything else.',
  labels: [
    { name: 'instructional', description: 'Teaches a grappling technique or concept' },
    { name: 'other', description: 'Competition footage, vlogs, interviews, unrelated videos' },
  ],
};

interface Version {
  id: string;
  number: number;
  operation: string;
  row_count: number;
  content_hash: string;
  stats: {
    labeled: number;
    unlabeled: number;
    duplicate_count: number;
    label_distribution: Record<string, number>;
    splits: Record<string, { rows: number }>;
    tokens: { min: number; p50: number; p95: number; max: number } | null;
  };
}
type ImportResponse = { version: Version };

function showVersion(version: Version) {
  const { stats } = version;
  show(`version ${version.number} (${version.operation}): ${version.row_count} rows, ${stats.labeled} labeled, ${stats.unlabeled} unlabeled, ${stats.duplicate_count} duplicates`);
  show(`labels: ${Object.entries(stats.label_distribution).map(([label, n]) => `${label} ${n}`).join(', ')}`);
  const splits = ['train', 'validation', 'test'].map((split) => `${split} ${stats.splits[split]?.rows ?? 0}`).join(', ');
  show(`splits: ${splits}, unassigned ${stats.splits['unassigned']?.rows ?? 0}`);
  if (stats.tokens) show(`tokens per text: min ${stats.tokens.min}, p50 ${stats.tokens.p50}, p95 ${stats.tokens.p95}, max ${stats.tokens.max}`);
  show(`content hash ${version.content_hash.slice(0, 16)}…`);
}

async function rawUpload<T>(base: string, key: string, path: string, body: Buffer): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/jsonl' },
    body,
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface LabelRun {
  id: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  rate_per_minute: number;
  result_version_id: string | null;
  error: { code: string; message: string } | null;
}

/** Polls a run, drawing a progress line, until it ends. */
async function followRun(admin: ReturnType<typeof apiClient>, id: string): Promise<LabelRun> {
  for (;;) {
    const { body: run } = await admin<LabelRun>('GET', `/v1/label-runs/${id}`);
    const width = 30;
    const filled = run.total ? Math.round((run.done / run.total) * width) : width;
    process.stdout.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${run.done}/${run.total} ${run.status}   `);
    if (['completed', 'failed', 'cancelled'].includes(run.status)) {
      process.stdout.write('\n');
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface FineTuneView {
  status: string;
  curve: { step: number; train_loss: number | null }[];
  model_version_id: string | null;
  error: { code: string | null; message: string | null } | null;
}

async function followFineTune(admin: ReturnType<typeof apiClient>, id: string): Promise<FineTuneView> {
  for (;;) {
    const { body } = await admin<FineTuneView>('GET', `/v1/fine-tunes/${id}`);
    process.stdout.write(`\r  training: ${body.status}, ${body.curve.length} epochs so far   `);
    if (['succeeded', 'failed', 'cancelled', 'refused'].includes(body.status)) {
      process.stdout.write('\n');
      if (body.status !== 'succeeded') throw new Error(`training ended ${body.status}: ${JSON.stringify(body.error)}`);
      return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function followEvaluation(admin: ReturnType<typeof apiClient>, id: string): Promise<void> {
  for (;;) {
    const { body } = await admin<{ status: string; answered: number; total: number }>('GET', `/v1/evaluations/${id}`);
    process.stdout.write(`\r  evaluation ${id.slice(-6)}: ${body.answered}/${body.total} ${body.status}   `);
    if (['completed', 'failed', 'cancelled'].includes(body.status)) {
      process.stdout.write('\n');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A newly trained model is evaluated automatically; find that evaluation. */
async function waitForModelEvaluation(admin: ReturnType<typeof apiClient>, modelId: string): Promise<string> {
  for (;;) {
    const { body } = await admin<{ data: { id: string; model_version_id: string }[] }>('GET', `/v1/tasks/${SAMPLE_TASK.slug}/evaluations?limit=20`);
    const found = body.data.find((evaluation) => evaluation.model_version_id === modelId);
    if (found) return found.id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitForJob(queue: Queue, id: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const job = await queue.getJob(id);
    if (!job) return 'finished earlier (already removed)';
    const state = await job.getState();
    if (state === 'completed') return `completed, result ${JSON.stringify(job.returnvalue)}`;
    if (state === 'failed') throw new Error(`job ${id} failed: ${job.failedReason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish within 30 s`);
}

async function main(): Promise<void> {
  const env = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tuneline_demo',
    REDIS_URL: 'redis://127.0.0.1:6379',
    ADMIN_API_KEY: `demo-admin-${randomBytes(16).toString('hex')}`,
    HOST: '127.0.0.1',
    PORT: '3000',
    LOG_LEVEL: 'warn',
    ...process.env,
    MIGRATE_ON_START: 'true',
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'demo' });

  step('Preparing Postgres and Redis');
  await ensureDatabase(config.databaseUrl);
  const runtime = await openRuntime(config, logger, 'all');
  show('database migrated; Redis answers with maxmemory-policy noeviction');

  step('Starting the API and the workers in one process');
  const pool = await startWorkers(runtime, { queueNames: [...QUEUE_NAMES], concurrency: DEFAULT_CONCURRENCY });
  const app = await startApi(runtime);
  const { port } = app.server.address() as AddressInfo;
  const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  show(`API on ${base}; workers on queues: ${QUEUE_NAMES.join(', ')}`);
  const stop = installShutdown(
    logger,
    [{ name: 'http', run: () => app.close() }, { name: 'workers', run: () => pool.close() }, ...runtime.closePhases()],
    config.shutdownTimeoutMs,
  );

  const admin = apiClient(base, config.adminApiKey);

  step('Creating the sample task through the HTTP API');
  let task = await admin<{ id: string; slug: string; labels: { name: string }[] }>('POST', '/v1/tasks', SAMPLE_TASK);
  if (task.status === 409) {
    show('it already exists from an earlier run; reading it instead');
    task = await admin('GET', `/v1/tasks/${SAMPLE_TASK.slug}`);
  }
  if (task.status >= 300) throw new Error(`creating the task failed: ${JSON.stringify(task.body)}`);
  show(`task ${task.body.slug} (${task.body.id}) with labels: ${task.body.labels.map((l) => l.name).join(', ')}`);

  step('Creating a write-scoped API key for a client service');
  const key = await admin<{ key: string; prefix: string; scopes: string[] }>('POST', '/v1/api-keys', {
    name: 'demo client',
    scopes: ['write'],
  });
  show(`key ${key.body.prefix}… with scopes ${key.body.scopes.join(', ')} (the secret is shown once, at creation)`);
  const client = apiClient(base, key.body.key);
  const forbidden = await client<{ code: string; detail: string }>('GET', '/v1/api-keys');
  show(`it may not manage keys: ${forbidden.status} ${forbidden.body.code}: ${forbidden.body.detail}`);

  step('Importing the sample dataset (examples/grappling-titles.jsonl) through the API');
  const sample = await readFile(new URL('../examples/grappling-titles.jsonl', import.meta.url));
  const name = `titles-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const imported = await rawUpload<ImportResponse>(base, config.adminApiKey, `/v1/tasks/${SAMPLE_TASK.slug}/datasets?name=${name}`, sample);
  if (imported.status !== 201) throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
  showVersion(imported.body.version);

  step('Deriving a clean split: dedupe (ignoring case and spaces), clean, split 70 / 15 / 15 stratified');
  const derived = await admin<Version>('POST', `/v1/dataset-versions/${imported.body.version.id}/derive`, {
    operations: [{ op: 'dedupe', mode: 'normalized' }, { op: 'clean' }, { op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 42 }],
  });
  if (derived.status !== 201) throw new Error(`derive failed: ${JSON.stringify(derived.body)}`);
  showVersion(derived.body);
  const checks = await admin<{ rows: number; warnings: { message: string }[] }>(
    'GET',
    `/v1/dataset-versions/${derived.body.id}/export-checks?format=openai-chat&split=train`,
  );
  show(`train export for fine-tuning: ${checks.body.rows} examples`);
  for (const warning of checks.body.warnings) show(`  warning: ${warning.message}`);
  show(`download it: GET ${base}/v1/dataset-versions/${derived.body.id}/export?format=openai-chat&split=train`);

  step('Labeling the unlabeled titles with the offline prompt-only model (local few-shot TF-IDF)');
  const started = await admin<LabelRun>('POST', `/v1/dataset-versions/${derived.body.id}/label-runs`, {
    provider: 'local',
    mode: 'few_shot',
    k: 24,
    only_unlabeled: true,
  });
  if (started.status !== 202) throw new Error(`label run failed to start: ${JSON.stringify(started.body)}`);
  const finished = await followRun(admin, started.body.id);
  if (finished.status !== 'completed' || !finished.result_version_id) {
    throw new Error(`label run ended ${finished.status}: ${JSON.stringify(finished.error)}`);
  }
  const labeledVersion = await admin<Version>('GET', `/v1/dataset-versions/${finished.result_version_id}`);
  showVersion(labeledVersion.body);
  const runReport = (labeledVersion.body as unknown as { report: { label_run: { low_confidence: { count: number; threshold: number } } } }).report.label_run;
  show(`${runReport.low_confidence.count} answers under confidence ${runReport.low_confidence.threshold} flagged for review`);

  step('Registering the prompt-only model (local few-shot) and training a local model on the labeled split');
  const prompt = await admin<{ id: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/model-versions`, {
    kind: 'prompt',
    provider: 'local',
    name: 'prompt-only few-shot',
    few_shot_from: { dataset_version_id: finished.result_version_id, k: 16 },
  });
  await admin('PATCH', `/v1/tasks/${SAMPLE_TASK.slug}/routing`, { fallback_model_version_id: prompt.body.id, min_test_size: 20 });
  const trained = await admin<{ id: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/fine-tunes`, {
    dataset_version_id: finished.result_version_id,
    provider: 'local',
    seed: 42,
  });
  const fineTune = await followFineTune(admin, trained.body.id);
  show(`local model trained (${fineTune.curve.length} epochs across the regularisation search and the final fit), final training loss ${fineTune.curve.at(-1)?.train_loss?.toFixed(4)}`);
  const curve = fineTune.curve.filter((_, index, all) => index % Math.ceil(all.length / 8) === 0 || index === all.length - 1);
  for (const point of curve) show(`  epoch ${String(point.step).padStart(3)}  loss ${point.train_loss?.toFixed(4)}  ${'█'.repeat(Math.max(1, Math.round((point.train_loss ?? 0) * 40)))}`);

  step('Evaluating both on the same held-out test rows');
  const promptEvaluation = await admin<{ id: string }>('POST', '/v1/evaluations', { model_version_id: prompt.body.id, dataset_version_id: finished.result_version_id });
  await followEvaluation(admin, promptEvaluation.body.id);
  const localEvaluationId = await waitForModelEvaluation(admin, fineTune.model_version_id!);
  await followEvaluation(admin, localEvaluationId);
  for (const [name, id] of [['prompt-only few-shot', promptEvaluation.body.id], ['local trained model', localEvaluationId]] as const) {
    const report = await fetch(`${base}/v1/evaluations/${id}/report`, { headers: { authorization: `Bearer ${config.adminApiKey}` } });
    show(`\n  ${name}:`);
    for (const line of (await report.text()).trimEnd().split('\n')) show(`    ${line}`);
  }

  step('Leaderboard and promotion');
  const board = await admin<{ metric: string; champion_id: string | null; entries: { rank: number; model: { id: string; name: string }; score: number; accuracy: number; cost_per_1000: number | null; versus_champion: { p_value: number } | null }[] }>(
    'GET',
    `/v1/tasks/${SAMPLE_TASK.slug}/leaderboard?dataset_version_id=${finished.result_version_id}`,
  );
  for (const entry of board.body.entries) {
    const champion = entry.model.id === board.body.champion_id ? '  ← champion' : '';
    const versus = entry.versus_champion ? `, McNemar p=${entry.versus_champion.p_value.toPrecision(3)} vs champion` : '';
    show(`#${entry.rank} ${entry.model.name.padEnd(28)} ${board.body.metric} ${entry.score.toFixed(3)}  accuracy ${entry.accuracy.toFixed(3)}  $/1k ${entry.cost_per_1000 ?? 'n/a'}${versus}${champion}`);
  }
  const history = await admin<{ data: { action: string; reason: string }[] }>('GET', `/v1/tasks/${SAMPLE_TASK.slug}/routing/history?limit=5`);
  for (const event of history.body.data.slice(0, 3)) show(`audit: ${event.action}: ${event.reason}`);

  step('Running a background job on a worker');
  const job = await admin<{ job_id: string }>('POST', '/v1/maintenance/purge-revoked-keys');
  const outcome = await waitForJob(runtime.queues.get('housekeeping'), job.body.job_id);
  show(`housekeeping job ${job.body.job_id}: ${outcome}`);

  step('Where to look');
  show(`API docs (Swagger UI):  ${base}/docs`);
  show(`OpenAPI document:       ${base}/docs/json`);
  show(`Queues (Bull Board):    ${base}/admin/queues  (user: anything, password: the admin key)`);
  show(`Metrics:                ${base}/metrics`);
  show(`Admin key for this run: ${config.adminApiKey}`);

  if (exitWhenDone) {
    await stop.shutdown('demo finished');
    process.exit();
  }
  show('\nServing until you press Ctrl+C.');
}

runMain(main);
