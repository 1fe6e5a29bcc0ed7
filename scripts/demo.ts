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
    // The job was read before it finished: read it again for its result.
    if (state === 'completed') return `completed, result ${JSON.stringify((await queue.getJob(id))?.returnvalue)}`;
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
    // Offline, "OpenAI" is an endpoint that is down (port 9 refuses connections): the demo uses it to
    // show the fallback taking over. With OPENAI_API_KEY set, the real endpoint is used instead.
    ...(process.env['OPENAI_API_KEY'] ? {} : { OPENAI_API_KEY: 'sk-demo-offline', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }),
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

  step(ONLINE ? 'Labeling the unlabeled titles with the prompt-only model (OpenAI gpt-4o-mini, few-shot)' : 'Labeling the unlabeled titles with the offline prompt-only model (local few-shot TF-IDF)');
  const started = await admin<LabelRun>('POST', `/v1/dataset-versions/${derived.body.id}/label-runs`, {
    provider: ONLINE ? 'openai' : 'local',
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
  const labeledId = await reviewLowestConfidence(admin, finished.result_version_id);

  step('Registering and evaluating the prompt-only model (the fallback), then training a local model on the reviewed split');
  const prompt = await admin<{ id: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/model-versions`, {
    kind: 'prompt',
    provider: ONLINE ? 'openai' : 'local',
    name: 'prompt-only few-shot',
    few_shot_from: { dataset_version_id: labeledId, k: 16 },
  });
  // The task's first prompt-only model is its fallback. It is measured first: without a champion,
  // a trained model is promoted only when it beats the fallback on the same test rows.
  await admin('PATCH', `/v1/tasks/${SAMPLE_TASK.slug}/routing`, { min_test_size: 20 });
  const promptEvaluation = await admin<{ id: string }>('POST', '/v1/evaluations', { model_version_id: prompt.body.id, dataset_version_id: labeledId });
  await followEvaluation(admin, promptEvaluation.body.id);
  const trained = await admin<{ id: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/fine-tunes`, {
    dataset_version_id: labeledId,
    provider: 'local',
    seed: 42,
  });
  const fineTune = await followFineTune(admin, trained.body.id);
  show(`local model trained (${fineTune.curve.length} epochs across the regularisation search and the final fit), final training loss ${fineTune.curve.at(-1)?.train_loss?.toFixed(4)}`);
  const curve = fineTune.curve.filter((_, index, all) => index % Math.ceil(all.length / 8) === 0 || index === all.length - 1);
  for (const point of curve) show(`  epoch ${String(point.step).padStart(3)}  loss ${point.train_loss?.toFixed(4)}  ${'█'.repeat(Math.max(1, Math.round((point.train_loss ?? 0) * 40)))}`);

  step('Evaluating the trained model on the same held-out test rows');
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
    `/v1/tasks/${SAMPLE_TASK.slug}/leaderboard?dataset_version_id=${labeledId}`,
  );
  for (const entry of board.body.entries) {
    const champion = entry.model.id === board.body.champion_id ? '  ← champion' : '';
    const versus = entry.versus_champion ? `, McNemar p=${entry.versus_champion.p_value.toPrecision(3)} vs champion` : '';
    show(`#${entry.rank} ${entry.model.name.padEnd(28)} ${board.body.metric} ${entry.score.toFixed(3)}  accuracy ${entry.accuracy.toFixed(3)}  $/1k ${entry.cost_per_1000 ?? 'n/a'}${versus}${champion}`);
  }
  const history = await admin<{ data: { action: string; reason: string }[] }>('GET', `/v1/tasks/${SAMPLE_TASK.slug}/routing/history?limit=5`);
  for (const event of history.body.data.slice(0, 3)) show(`audit: ${event.action}: ${event.reason}`);

  await showProduction(admin, base, labeledId);

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

type Admin = ReturnType<typeof apiClient>;
interface Classified {
  results: { prediction_id: string; label: string; confidence: number | null; served_by: string; fallback_reason: string | null; model_version_id: string; latency_ms: number }[];
}

const OUTAGE_CALLS = 8;
/** With OPENAI_API_KEY set, the prompt-only model (labeling and fallback) is OpenAI's gpt-4o-mini. */
const ONLINE = Boolean(process.env['OPENAI_API_KEY']);

/**
 * A person reviews the labels the model was least sure of. Here a keyword rule stands in for the
 * person, so the demo runs unattended; the API call is the one a review tool would make.
 */
async function reviewLowestConfidence(admin: Admin, versionId: string): Promise<string> {
  step('Reviewing the three least confident labels (a keyword rule stands in for the reviewer)');
  const results = await admin<{ data: { example_id: string; text: string; label: string | null; confidence: number | null }[] }>(
    'GET',
    `/v1/dataset-versions/${versionId}/examples?label_source=llm&limit=100`,
  );
  const doubtful = results.body.data
    .filter((result) => result.label !== null && result.confidence !== null)
    .sort((a, b) => a.confidence! - b.confidence!)
    .slice(0, 3);
  // Teaches something, and the sport is a grappling one (karate or boxing lessons are "other").
  const teaches = /how to|tutorial|drill|technique|escape|pass|sweep|choke|breakdown|details|解説|técnica|tutoriel|technik/i;
  const notGrappling = /karate|空手|boxing|ボクシング|muay thai|taekwondo/i;
  const overrides = doubtful.map((result) => ({
    example_id: result.example_id,
    label: teaches.test(result.text) && !notGrappling.test(result.text) ? 'instructional' : 'other',
  }));
  for (const [index, result] of doubtful.entries()) {
    const verdict = overrides[index]!.label === result.label ? 'confirmed' : `corrected to ${overrides[index]!.label}`;
    show(`${result.label} (${result.confidence!.toFixed(2)}) → ${verdict}: "${result.text}"`);
  }
  const reviewed = await admin<Version & { id: string }>('POST', `/v1/dataset-versions/${versionId}/reviews`, { overrides });
  if (reviewed.status !== 201) throw new Error(`review failed: ${JSON.stringify(reviewed.body)}`);
  showVersion(reviewed.body);
  return reviewed.body.id;
}
const NEW_TITLES = [
  'Arm drag to back take: 3 details most people miss',
  'Gordon Ryan vs Felipe Pena 4 full match',
  'How to finish the rear naked choke when they hide their neck',
  'Travel vlog: training in Rio for a month',
];

/** Production: classify new titles, survive a champion outage, send feedback, watch, and merge it back. */
async function showProduction(admin: Admin, base: string, labeledVersionId: string): Promise<void> {
  step('Classifying new titles with the champion (a classify-scoped key, as a client service would)');
  const key = await admin<{ key: string }>('POST', '/v1/api-keys', { name: 'demo classifier', scopes: ['classify'] });
  const caller = apiClient(base, key.body.key);
  const models = new Map<string, string>();
  const nameOf = async (id: string) => {
    if (!models.has(id)) models.set(id, (await admin<{ name: string }>('GET', `/v1/model-versions/${id}`)).body.name);
    return models.get(id)!;
  };
  const answered = await caller<Classified>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/classify`, { inputs: NEW_TITLES });
  for (const [index, result] of answered.body.results.entries()) {
    show(`${result.label.padEnd(13)} ${(result.confidence ?? 0).toFixed(2)}  by ${result.served_by} (${await nameOf(result.model_version_id)}), ${result.latency_ms.toFixed(1)} ms  "${NEW_TITLES[index]}"`);
  }

  step(ONLINE ? 'An outage: a hosted champion the provider does not have; the prompt-only fallback serves' : 'An outage: a hosted champion whose endpoint does not answer; the prompt-only fallback serves');
  // Offline, "OpenAI" is a closed port; online, a model id the provider does not know (it is retired at once).
  const outageModel = ONLINE ? 'tuneline-demo-missing-model' : 'gpt-4o-mini';
  const hosted = await admin<{ id: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/model-versions`, { kind: 'prompt', provider: 'openai', model: outageModel, name: `hosted ${outageModel}` });
  await admin('POST', `/v1/tasks/${SAMPLE_TASK.slug}/routing/promote`, { model_version_id: hosted.body.id, reason: 'demo: a hosted champion' });
  await admin('PATCH', `/v1/tasks/${SAMPLE_TASK.slug}/routing`, { timeout_ms: 1_500 });
  const reasons = new Set<string>();
  for (let i = 0; i < OUTAGE_CALLS; i++) {
    const title = NEW_TITLES[i % NEW_TITLES.length]!;
    const response = await caller<Classified & { code?: string }>('POST', `/v1/tasks/${SAMPLE_TASK.slug}/classify`, { input: title });
    if (response.status !== 200) {
      show(`${response.status} ${response.body.code}`);
      continue;
    }
    const [result] = response.body.results;
    reasons.add(result!.fallback_reason ?? '');
    show(`${result!.label.padEnd(13)} by ${result!.served_by} (${await nameOf(result!.model_version_id)}), champion skipped: ${result!.fallback_reason}`);
  }
  if (reasons.has('circuit_open')) show('after a few failures the champion\u2019s circuit opened: calls went straight to the fallback');
  await admin('POST', `/v1/tasks/${SAMPLE_TASK.slug}/routing/rollback`, { reason: 'demo: the hosted endpoint is down' });
  show('rolled back: the local model is champion again');

  step('Feedback from the client service, monitoring, and merging feedback into the next dataset version');
  const truth = ['instructional', 'other', 'instructional', 'other'];
  for (const [index, result] of answered.body.results.entries()) {
    await caller('POST', `/v1/predictions/${result.prediction_id}/feedback`, { label: truth[index] });
  }
  type Monitoring = { totals: { predictions: number; fallback_rate: number | null; live_accuracy: number | null; feedback: number; latency_ms: { p50: number | null; p99: number | null } } };
  const made = NEW_TITLES.length + OUTAGE_CALLS;
  let monitoring = await admin<Monitoring>('GET', `/v1/tasks/${SAMPLE_TASK.slug}/monitoring?reference_version_id=${labeledVersionId}`);
  // The prediction log writes in batches: give the last records a moment to land.
  for (let i = 0; i < 30 && monitoring.body.totals.predictions < made; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitoring = await admin<Monitoring>('GET', `/v1/tasks/${SAMPLE_TASK.slug}/monitoring?reference_version_id=${labeledVersionId}`);
  }
  const totals = monitoring.body.totals;
  show(`last 24 h: ${totals.predictions} predictions, fallback rate ${((totals.fallback_rate ?? 0) * 100).toFixed(0)} %, latency p50 ${totals.latency_ms.p50?.toFixed(1)} ms, live accuracy ${totals.live_accuracy === null ? 'n/a' : `${(totals.live_accuracy * 100).toFixed(0)} % on ${totals.feedback} feedback`}`);
  const merged = await admin<Version & { report: { merge_feedback: { added: number; relabeled: number } } }>('POST', `/v1/dataset-versions/${labeledVersionId}/merge-feedback`, {});
  show(`feedback merged: ${merged.body.report.merge_feedback.added} new examples, ${merged.body.report.merge_feedback.relabeled} relabeled`);
  showVersion(merged.body);
}

runMain(main);
