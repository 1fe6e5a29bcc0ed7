import { unwrap } from '@tuneline/client';
import type { Queue } from 'bullmq';
import { apiClient, made, modelName, ONLINE, show, showVersion, waitFor, type Step } from './support.js';

const NEW_TITLES = [
  'Arm drag to back take: 3 details most people miss',
  'Gordon Ryan vs Felipe Pena 4 full match',
  'How to finish the rear naked choke when they hide their neck',
  'Travel vlog: training in Rio for a month',
];
const OUTAGE_CALLS = 8;

export const classifyNewTitles: Step = {
  title: 'Classifying new titles with the champion (a classify-scoped key, as a client service would)',
  async run(demo) {
    const key = await unwrap(
      demo.admin.POST('/v1/api-keys', { body: { name: 'demo classifier', scopes: ['classify'] } }),
    );
    const classifier = apiClient(demo.base, key.key);
    const answered = await unwrap(
      classifier.POST('/v1/tasks/{task}/classify', {
        params: { path: { task: demo.slug } },
        body: { inputs: NEW_TITLES },
      }),
    );
    for (const [index, result] of answered.results.entries()) {
      show(
        `${(result.label ?? '(abstained)').padEnd(13)} ${(result.confidence ?? 0).toFixed(2)}  by ${result.served_by} (${await modelName(demo, result.model_version_id)}), ${result.latency_ms.toFixed(1)} ms  "${NEW_TITLES[index]}"`,
      );
    }
    demo.made.classifier = classifier;
    demo.made.answered = answered.results;
  },
};

export const surviveOutage: Step = {
  title: ONLINE
    ? 'An outage: a hosted champion the provider does not have; the prompt-only fallback serves'
    : 'An outage: a hosted champion whose endpoint does not answer; the prompt-only fallback serves',
  async run(demo) {
    const { admin } = demo;
    const classifier = made(demo, 'classifier');
    // Offline, "OpenAI" is a closed port; online, a model id the provider does not know (it is retired at once).
    const outageModel = ONLINE ? 'tuneline-demo-missing-model' : 'gpt-4o-mini';
    const task = { path: { task: demo.slug } };
    const hosted = await unwrap(
      admin.POST('/v1/tasks/{task}/model-versions', {
        params: task,
        body: { kind: 'prompt', provider: 'openai', model: outageModel, name: `hosted ${outageModel}` },
      }),
    );
    await unwrap(
      admin.POST('/v1/tasks/{task}/routing/promote', {
        params: task,
        body: { model_version_id: hosted.id, reason: 'demo: a hosted champion' },
      }),
    );
    await unwrap(admin.PATCH('/v1/tasks/{task}/routing', { params: task, body: { timeout_ms: 1_500 } }));
    const reasons = new Set<string>();
    for (let i = 0; i < OUTAGE_CALLS; i++) {
      const title = NEW_TITLES[i % NEW_TITLES.length]!;
      const { data, error, response } = await classifier.POST('/v1/tasks/{task}/classify', {
        params: task,
        body: { input: title },
      });
      if (!data) {
        show(`${response.status} ${error?.code}`);
        continue;
      }
      const [result] = data.results;
      reasons.add(result!.fallback_reason ?? '');
      show(
        `${(result!.label ?? '(abstained)').padEnd(13)} by ${result!.served_by} (${await modelName(demo, result!.model_version_id)}), champion skipped: ${result!.fallback_reason}`,
      );
    }
    if (reasons.has('circuit_open'))
      show('after a few failures the champion\u2019s circuit opened: calls went straight to the fallback');
    await unwrap(
      admin.POST('/v1/tasks/{task}/routing/rollback', {
        params: task,
        body: { reason: 'demo: the hosted endpoint is down' },
      }),
    );
    show('rolled back: the local model is champion again');
  },
};

export const sendFeedback: Step = {
  title: 'Feedback from the client service, monitoring, and merging feedback into the next dataset version',
  async run(demo) {
    const { admin } = demo;
    const reviewedId = made(demo, 'reviewedVersionId');
    const truth = ['instructional', 'other', 'instructional', 'other'];
    for (const [index, result] of made(demo, 'answered').entries()) {
      await unwrap(
        made(demo, 'classifier').POST('/v1/predictions/{prediction}/feedback', {
          params: { path: { prediction: result.prediction_id } },
          body: { label: truth[index]! },
        }),
      );
    }
    const predictions = NEW_TITLES.length + OUTAGE_CALLS;
    // The prediction log writes in batches: give the last records a moment to land.
    const monitoring = () =>
      unwrap(
        admin.GET('/v1/tasks/{task}/monitoring', {
          params: { path: { task: demo.slug }, query: { reference_version_id: reviewedId } },
        }),
      );
    const { totals } = await waitFor(monitoring, (view) => view.totals.predictions >= predictions, {
      what: 'monitoring',
      everyMs: 100,
      withinMs: 3_000,
      orLast: true,
    });
    show(
      `last 24 h: ${totals.predictions} predictions, fallback rate ${((totals.fallback_rate ?? 0) * 100).toFixed(0)} %, latency p50 ${totals.latency_ms.p50?.toFixed(1)} ms, live accuracy ${totals.live_accuracy === null ? 'n/a' : `${(totals.live_accuracy * 100).toFixed(0)} % on ${totals.feedback} feedback`}`,
    );
    const merged = await unwrap(
      admin.POST('/v1/dataset-versions/{version}/merge-feedback', {
        params: { path: { version: reviewedId } },
        body: {},
      }),
    );
    const report = merged.report['merge_feedback'] as { added: number; relabeled: number };
    show(`feedback merged: ${report.added} new examples, ${report.relabeled} relabeled`);
    showVersion(merged);
  },
};

async function waitForJob(queue: Queue, id: string): Promise<string> {
  const read = async () => {
    const job = await queue.getJob(id);
    return job && { job, state: await job.getState() };
  };
  const seen = await waitFor(read, (last) => !last || last.state === 'completed' || last.state === 'failed', {
    what: `job ${id}`,
    everyMs: 100,
    withinMs: 30_000,
  });
  if (!seen) return 'finished earlier (already removed)';
  if (seen.state === 'failed') throw new Error(`job ${id} failed: ${seen.job.failedReason}`);
  // The job was read before it finished: read it again for its result.
  return `completed, result ${JSON.stringify((await queue.getJob(id))?.returnvalue)}`;
}

export const runBackgroundJob: Step = {
  title: 'Running a background job on a worker',
  async run({ admin, runtime }) {
    const job = await unwrap(admin.POST('/v1/maintenance/purge-revoked-keys'));
    const outcome = await waitForJob(runtime.queues.get('housekeeping'), job.job_id);
    show(`housekeeping job ${job.job_id}: ${outcome}`);
  },
};

export const whereToLook: Step = {
  title: 'Where to look',
  async run({ base, adminKey }) {
    show(`API docs (Swagger UI):  ${base}/docs`);
    show(`OpenAPI document:       ${base}/docs/json`);
    show(`Queues (Bull Board):    ${base}/admin/queues  (user: anything, password: the admin key)`);
    show(`Metrics:                ${base}/metrics`);
    show(`Web console:            ${base}/console/`);
    show(`Sign in with this key:  ${adminKey}`);
  },
};
