import { readFile } from 'node:fs/promises';
import {
  apiClient,
  made,
  ONLINE,
  resource,
  SAMPLE_TASK,
  show,
  showVersion,
  waitFor,
  type Step,
  type Version,
} from './support.js';

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

export const createTask: Step = {
  title: 'Creating the sample task through the HTTP API',
  async run({ admin, slug }) {
    // A task of its own per run: a second run against the same database tells the same story
    // (same promotion, same metrics) instead of meeting the first run's champion and datasets.
    const task = await admin<{ id: string; slug: string; labels: { name: string }[] }>('POST', '/v1/tasks', {
      ...SAMPLE_TASK,
      slug,
    });
    if (task.status >= 300) throw new Error(`creating the task failed: ${JSON.stringify(task.body)}`);
    show(`task ${task.body.slug} (${task.body.id}) with labels: ${task.body.labels.map((l) => l.name).join(', ')}`);
  },
};

export const createClientKey: Step = {
  title: 'Creating a write-scoped API key for a client service',
  async run({ base, admin }) {
    const key = await admin<{ key: string; prefix: string; scopes: string[] }>('POST', '/v1/api-keys', {
      name: 'demo client',
      scopes: ['write'],
    });
    show(`key ${key.body.prefix}… with scopes ${key.body.scopes.join(', ')} (the secret is shown once, at creation)`);
    const client = apiClient(base, key.body.key);
    const forbidden = await client<{ code: string; detail: string }>('GET', '/v1/api-keys');
    show(`it may not manage keys: ${forbidden.status} ${forbidden.body.code}: ${forbidden.body.detail}`);
  },
};

export const importSample: Step = {
  title: 'Importing the sample dataset (examples/grappling-titles.jsonl) through the API',
  async run(demo) {
    const sample = await readFile(new URL('../../examples/grappling-titles.jsonl', import.meta.url));
    const name = `titles-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    const response = await fetch(`${demo.base}${demo.taskPath}/datasets?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.adminKey}`, 'content-type': 'application/jsonl' },
      body: sample,
    });
    const imported = (await response.json()) as { version: Version };
    if (response.status !== 201) throw new Error(`import failed: ${JSON.stringify(imported)}`);
    showVersion(imported.version);
    demo.made.importedVersionId = imported.version.id;
  },
};

export const deriveSplit: Step = {
  title: 'Deriving a clean split: dedupe (ignoring case and spaces), clean, split 70 / 15 / 15 stratified',
  async run(demo) {
    const { admin } = demo;
    const derived = await admin<Version>('POST', `/v1/dataset-versions/${made(demo, 'importedVersionId')}/derive`, {
      operations: [
        { op: 'dedupe', mode: 'normalized' },
        { op: 'clean' },
        { op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 42 },
      ],
    });
    if (derived.status !== 201) throw new Error(`derive failed: ${JSON.stringify(derived.body)}`);
    showVersion(derived.body);
    const checks = await admin<{ rows: number; warnings: { message: string }[] }>(
      'GET',
      `/v1/dataset-versions/${derived.body.id}/export-checks?format=openai-chat&split=train`,
    );
    show(`train export for fine-tuning: ${checks.body.rows} examples`);
    for (const warning of checks.body.warnings) show(`  warning: ${warning.message}`);
    show(`download it: GET ${demo.base}/v1/dataset-versions/${derived.body.id}/export?format=openai-chat&split=train`);
    demo.made.derivedVersionId = derived.body.id;
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
    const started = await admin<LabelRun>('POST', `/v1/dataset-versions/${made(demo, 'derivedVersionId')}/label-runs`, {
      provider: ONLINE ? 'openai' : 'local',
      mode: 'few_shot',
      k: 24,
      // Seeded like every other step, so each run labels the same rows the same way.
      seed: 42,
      only_unlabeled: true,
    });
    if (started.status !== 202) throw new Error(`label run failed to start: ${JSON.stringify(started.body)}`);
    const finished = await waitFor(
      resource<LabelRun>(admin, `/v1/label-runs/${started.body.id}`),
      (run) => ['completed', 'failed', 'cancelled'].includes(run.status),
      {
        what: `label run ${started.body.id}`,
        progress: progressBar,
      },
    );
    if (finished.status !== 'completed' || !finished.result_version_id) {
      throw new Error(`label run ended ${finished.status}: ${JSON.stringify(finished.error)}`);
    }
    const labeled = await admin<
      Version & { report: { label_run: { low_confidence: { count: number; threshold: number } } } }
    >('GET', `/v1/dataset-versions/${finished.result_version_id}`);
    showVersion(labeled.body);
    const lowConfidence = labeled.body.report.label_run.low_confidence;
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
    const results = await admin<{
      data: { example_id: string; text: string; label: string | null; confidence: number | null }[];
    }>('GET', `/v1/dataset-versions/${versionId}/examples?label_source=llm&limit=100`);
    const doubtful = results.body.data
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
    const reviewed = await admin<Version>('POST', `/v1/dataset-versions/${versionId}/reviews`, { overrides });
    if (reviewed.status !== 201) throw new Error(`review failed: ${JSON.stringify(reviewed.body)}`);
    showVersion(reviewed.body);
    demo.made.reviewedVersionId = reviewed.body.id;
  },
};
