import { readFile } from 'node:fs/promises';
import { unwrap, type StreamEvent } from '@tuneline/client';
import { apiClient, FOLLOW_MS, made, ONLINE, SAMPLE_TASK, show, showVersion, type Step } from './support.js';

type LabelRun = StreamEvent<'/v1/label-runs/{run}/stream'>['state'];

export const createTask: Step = {
  title: 'Creating the sample task through the HTTP API',
  async run({ admin, slug }) {
    // A task of its own per run: a second run against the same database tells the same story
    // (same promotion, same metrics) instead of meeting the first run's champion and datasets.
    const task = await unwrap(admin.POST('/v1/tasks', { body: { ...SAMPLE_TASK, slug } }));
    show(`task ${task.slug} (${task.id}) with labels: ${task.labels.map((l) => l.name).join(', ')}`);
  },
};

export const createClientKey: Step = {
  title: 'Creating a write-scoped API key for a client service',
  async run({ base, admin }) {
    const key = await unwrap(admin.POST('/v1/api-keys', { body: { name: 'demo client', scopes: ['write'] } }));
    show(`key ${key.prefix}… with scopes ${key.scopes.join(', ')} (the secret is shown once, at creation)`);
    const client = apiClient(base, key.key);
    const forbidden = await client.GET('/v1/api-keys');
    show(`it may not manage keys: ${forbidden.response.status} ${forbidden.error?.code}: ${forbidden.error?.detail}`);
  },
};

export const importSample: Step = {
  title: 'Importing the sample dataset (examples/grappling-titles.jsonl) through the API',
  async run(demo) {
    const sample = await readFile(new URL('../../examples/grappling-titles.jsonl', import.meta.url), 'utf8');
    const name = `titles-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    const imported = await unwrap(
      demo.admin.POST('/v1/tasks/{task}/datasets', {
        params: { path: { task: demo.slug }, query: { name } },
        // The file as it is, not as JSON: the route takes JSON Lines, CSV or multipart.
        body: sample,
        bodySerializer: (body) => body,
        headers: { 'content-type': 'application/jsonl' },
      }),
    );
    showVersion(imported.version);
    demo.made.importedVersionId = imported.version.id;
  },
};

export const deriveSplit: Step = {
  title: 'Deriving a clean split: dedupe (ignoring case and spaces), clean, split 70 / 15 / 15 stratified',
  async run(demo) {
    const { admin } = demo;
    const derived = await unwrap(
      admin.POST('/v1/dataset-versions/{version}/derive', {
        params: { path: { version: made(demo, 'importedVersionId') } },
        body: {
          operations: [
            { op: 'dedupe', mode: 'normalized' },
            { op: 'clean' },
            { op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 42 },
          ],
        },
      }),
    );
    showVersion(derived);
    const checks = await unwrap(
      admin.GET('/v1/dataset-versions/{version}/export-checks', {
        params: { path: { version: derived.id }, query: { format: 'openai-chat', split: 'train' } },
      }),
    );
    show(`train export for fine-tuning: ${checks.rows} examples`);
    for (const warning of checks.warnings) show(`  warning: ${warning.message}`);
    show(`download it: GET ${demo.base}/v1/dataset-versions/${derived.id}/export?format=openai-chat&split=train`);
    demo.made.derivedVersionId = derived.id;
  },
};

const BAR_WIDTH = 30;
const progressBar = (run: LabelRun) => {
  const filled = run.total ? Math.round((run.done / run.total) * BAR_WIDTH) : BAR_WIDTH;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${run.done}/${run.total} ${run.status}`;
};

export const labelUnlabeled: Step = {
  title: ONLINE
    ? 'Labeling the unlabeled titles with the prompt-only model (OpenAI gpt-4o-mini, few-shot)'
    : 'Labeling the unlabeled titles with the offline prompt-only model (local few-shot TF-IDF)',
  async run(demo) {
    const { admin } = demo;
    const started = await unwrap(
      admin.POST('/v1/dataset-versions/{version}/label-runs', {
        params: { path: { version: made(demo, 'derivedVersionId') } },
        body: {
          provider: ONLINE ? 'openai' : 'local',
          mode: 'few_shot',
          k: 24,
          // Seeded like every other step, so each run labels the same rows the same way.
          seed: 42,
          only_unlabeled: true,
        },
      }),
    );
    // The run's server-sent events, redrawn on one line until the stream ends with the run.
    let finished: LabelRun | undefined;
    for await (const event of admin.events(
      '/v1/label-runs/{run}/stream',
      { path: { run: started.id } },
      { signal: AbortSignal.timeout(FOLLOW_MS) },
    )) {
      finished = event.state;
      process.stdout.write(`\r  ${progressBar(finished)}   `);
    }
    process.stdout.write('\n');
    if (finished?.status !== 'completed' || !finished.result_version_id) {
      throw new Error(`label run ended ${finished?.status}: ${JSON.stringify(finished?.error)}`);
    }
    const labeled = await unwrap(
      admin.GET('/v1/dataset-versions/{version}', { params: { path: { version: finished.result_version_id } } }),
    );
    showVersion(labeled);
    const { low_confidence: lowConfidence } = labeled.report['label_run'] as {
      low_confidence: { count: number; threshold: number };
    };
    show(`${lowConfidence.count} answers under confidence ${lowConfidence.threshold} flagged for review`);
    demo.made.labeledVersionId = finished.result_version_id;
  },
};

// Teaches something, and the sport is a grappling one (karate or boxing lessons are "other").
const TEACHES =
  /how to|tutorial|drill|technique|escape|pass|sweep|choke|breakdown|details|解説|técnica|tutoriel|technik/i;
const NOT_GRAPPLING = /karate|空手|boxing|ボクシング|muay thai|taekwondo/i;

/**
 * A person reviews the labels the model was least sure of. Here a keyword rule stands in for the
 * person, so the demo runs unattended; the API call is the one a review tool would make.
 */
export const reviewLowestConfidence: Step = {
  title: 'Reviewing the three least confident labels (a keyword rule stands in for the reviewer)',
  async run(demo) {
    const { admin } = demo;
    const versionId = made(demo, 'labeledVersionId');
    const results = await unwrap(
      admin.GET('/v1/dataset-versions/{version}/examples', {
        params: { path: { version: versionId }, query: { label_source: 'llm', limit: 100 } },
      }),
    );
    const doubtful = results.data
      .filter((result) => result.label !== null && result.confidence !== null)
      .sort((a, b) => a.confidence! - b.confidence!)
      .slice(0, 3);
    const overrides = doubtful.map((result) => ({
      example_id: result.example_id,
      label: TEACHES.test(result.text) && !NOT_GRAPPLING.test(result.text) ? 'instructional' : 'other',
    }));
    for (const [index, result] of doubtful.entries()) {
      const verdict =
        overrides[index]!.label === result.label ? 'confirmed' : `corrected to ${overrides[index]!.label}`;
      show(`${result.label} (${result.confidence!.toFixed(2)}) → ${verdict}: "${result.text}"`);
    }
    const reviewed = await unwrap(
      admin.POST('/v1/dataset-versions/{version}/reviews', {
        params: { path: { version: versionId } },
        body: { overrides },
      }),
    );
    showVersion(reviewed);
    demo.made.reviewedVersionId = reviewed.id;
  },
};
