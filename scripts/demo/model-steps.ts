import { unwrap, type TunelineClient } from '@tuneline/client';
import { FOLLOW_MS, made, ONLINE, show, waitFor, type Step } from './support.js';

/** Follows an evaluation's server-sent events until it ends, redrawing its progress on one line. */
async function followEvaluation(admin: TunelineClient, id: string): Promise<void> {
  for await (const { state } of admin.events(
    '/v1/evaluations/{evaluation}/stream',
    { path: { evaluation: id } },
    { signal: AbortSignal.timeout(FOLLOW_MS) },
  ))
    process.stdout.write(`\r  evaluation ${id.slice(-6)}: ${state.answered}/${state.total} ${state.status}   `);
  process.stdout.write('\n');
}

export const evaluatePromptAndTrain: Step = {
  title:
    'Registering and evaluating the prompt-only model (the fallback), then training a local model on the reviewed split',
  async run(demo) {
    const { admin } = demo;
    const reviewedId = made(demo, 'reviewedVersionId');
    const task = { path: { task: demo.slug } };
    const prompt = await unwrap(
      admin.POST('/v1/tasks/{task}/model-versions', {
        params: task,
        body: {
          kind: 'prompt',
          provider: ONLINE ? 'openai' : 'local',
          name: 'prompt-only few-shot',
          few_shot_from: { dataset_version_id: reviewedId, k: 16, seed: 42 },
        },
      }),
    );
    // The task's first prompt-only model is its fallback. It is measured first: without a champion,
    // a trained model is promoted only when it beats the fallback on the same test rows.
    await unwrap(admin.PATCH('/v1/tasks/{task}/routing', { params: task, body: { min_test_size: 20 } }));
    const promptEvaluation = await unwrap(
      admin.POST('/v1/evaluations', { body: { model_version_id: prompt.id, dataset_version_id: reviewedId } }),
    );
    await followEvaluation(admin, promptEvaluation.id);
    demo.made.promptEvaluationId = promptEvaluation.id;

    const trained = await unwrap(
      admin.POST('/v1/tasks/{task}/fine-tunes', {
        params: task,
        body: { dataset_version_id: reviewedId, provider: 'local', seed: 42 },
      }),
    );
    // (A dry run would answer with a price estimate instead of a job.)
    if (!('id' in trained)) throw new Error('the fine-tune was not started');
    const fineTuneId = { path: { fine_tune: trained.id } };
    // The curve is stored when training ends; the trainer's events arrive epoch by epoch, so the
    // progress line follows the newest event while it trains.
    let latest = '';
    const fineTune = await waitFor(
      async () => {
        const [view, events] = await Promise.all([
          unwrap(admin.GET('/v1/fine-tunes/{fine_tune}', { params: fineTuneId })),
          unwrap(admin.GET('/v1/fine-tunes/{fine_tune}/events', { params: { ...fineTuneId, query: { limit: 1 } } })),
        ]);
        latest = events.data[0]?.message ?? latest;
        return view;
      },
      (view) => ['succeeded', 'failed', 'cancelled', 'refused'].includes(view.status),
      {
        what: `fine-tune ${trained.id}`,
        progress: (view) => `training: ${view.status}${latest ? `, ${latest}` : ''}`,
        everyMs: 100,
      },
    );
    if (fineTune.status !== 'succeeded')
      throw new Error(`training ended ${fineTune.status}: ${JSON.stringify(fineTune.error)}`);
    show(
      `local model trained (${fineTune.curve.length} epochs across the regularisation search and the final fit), final training loss ${fineTune.curve.at(-1)?.train_loss?.toFixed(4)}`,
    );
    const curve = fineTune.curve.filter(
      (_, index, all) => index % Math.ceil(all.length / 8) === 0 || index === all.length - 1,
    );
    for (const point of curve)
      show(
        `  epoch ${String(point.step).padStart(3)}  loss ${point.train_loss?.toFixed(4)}  ${'█'.repeat(Math.max(1, Math.round((point.train_loss ?? 0) * 40)))}`,
      );
    demo.made.trainedModelId = fineTune.model_version_id!;
  },
};

export const evaluateTrained: Step = {
  title: 'Evaluating the trained model on the same held-out test rows',
  async run(demo) {
    const { admin } = demo;
    const modelId = made(demo, 'trainedModelId');
    // A newly trained model is evaluated automatically; find that evaluation.
    const evaluations = () =>
      unwrap(
        admin.GET('/v1/tasks/{task}/evaluations', { params: { path: { task: demo.slug }, query: { limit: 20 } } }),
      );
    const ofModel = (page: Awaited<ReturnType<typeof evaluations>>) =>
      page.data.find((evaluation) => evaluation.model_version_id === modelId);
    const trainedEvaluationId = ofModel(
      await waitFor(evaluations, (page) => ofModel(page) !== undefined, { what: `the evaluation of model ${modelId}` }),
    )!.id;
    await followEvaluation(admin, trainedEvaluationId);
    for (const [name, id] of [
      ['prompt-only few-shot', made(demo, 'promptEvaluationId')],
      ['local trained model', trainedEvaluationId],
    ] as const) {
      const report = await unwrap(
        admin.GET('/v1/evaluations/{evaluation}/report', { params: { path: { evaluation: id } }, parseAs: 'text' }),
      );
      show(`\n  ${name}:`);
      for (const line of report.trimEnd().split('\n')) show(`    ${line}`);
    }
  },
};

export const showLeaderboard: Step = {
  title: 'Leaderboard and promotion',
  async run(demo) {
    const { admin } = demo;
    const task = { task: demo.slug };
    const board = await unwrap(
      admin.GET('/v1/tasks/{task}/leaderboard', {
        params: { path: task, query: { dataset_version_id: made(demo, 'reviewedVersionId') } },
      }),
    );
    for (const entry of board.entries) {
      const champion = entry.model.id === board.champion_id ? '  ← champion' : '';
      const versus = entry.versus_champion
        ? `, McNemar p=${entry.versus_champion.p_value.toPrecision(3)} vs champion`
        : '';
      show(
        `#${entry.rank} ${entry.model.name.padEnd(28)} ${board.metric} ${entry.score?.toFixed(3) ?? 'n/a'}  accuracy ${entry.accuracy?.toFixed(3) ?? 'n/a'}  $/1k ${entry.cost_per_1000 ?? 'n/a'}${versus}${champion}`,
      );
    }
    // The run's own task: its whole audit fits one page. Listed newest first, shown as it happened.
    const history = await unwrap(
      admin.GET('/v1/tasks/{task}/routing/history', { params: { path: task, query: { limit: 100 } } }),
    );
    for (const event of [...history.data].reverse()) show(`audit: ${event.action}: ${event.reason}`);
  },
};
