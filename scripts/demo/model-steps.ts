import { made, ONLINE, resource, show, waitFor, type Api, type Step } from './support.js';

interface FineTuneView {
  status: string;
  curve: { step: number; train_loss: number | null }[];
  model_version_id: string | null;
  error: { code: string | null; message: string | null } | null;
}

function followEvaluation(admin: Api, id: string) {
  return waitFor(
    resource<{ status: string; answered: number; total: number }>(admin, `/v1/evaluations/${id}`),
    (evaluation) => ['completed', 'failed', 'cancelled'].includes(evaluation.status),
    {
      what: `evaluation ${id}`,
      progress: (evaluation) =>
        `evaluation ${id.slice(-6)}: ${evaluation.answered}/${evaluation.total} ${evaluation.status}`,
    },
  );
}

export const evaluatePromptAndTrain: Step = {
  title:
    'Registering and evaluating the prompt-only model (the fallback), then training a local model on the reviewed split',
  async run(demo) {
    const { admin } = demo;
    const reviewedId = made(demo, 'reviewedVersionId');
    const prompt = await admin<{ id: string }>('POST', `${demo.taskPath}/model-versions`, {
      kind: 'prompt',
      provider: ONLINE ? 'openai' : 'local',
      name: 'prompt-only few-shot',
      few_shot_from: { dataset_version_id: reviewedId, k: 16, seed: 42 },
    });
    // The task's first prompt-only model is its fallback. It is measured first: without a champion,
    // a trained model is promoted only when it beats the fallback on the same test rows.
    await admin('PATCH', `${demo.taskPath}/routing`, { min_test_size: 20 });
    const promptEvaluation = await admin<{ id: string }>('POST', '/v1/evaluations', {
      model_version_id: prompt.body.id,
      dataset_version_id: reviewedId,
    });
    await followEvaluation(admin, promptEvaluation.body.id);
    demo.made.promptEvaluationId = promptEvaluation.body.id;

    const trained = await admin<{ id: string }>('POST', `${demo.taskPath}/fine-tunes`, {
      dataset_version_id: reviewedId,
      provider: 'local',
      seed: 42,
    });
    // The curve is stored when training ends; the trainer's events arrive epoch by epoch, so the
    // progress line follows the newest event while it trains.
    let latest = '';
    const fineTune = await waitFor(
      async () => {
        const [view, events] = await Promise.all([
          resource<FineTuneView>(admin, `/v1/fine-tunes/${trained.body.id}`)(),
          resource<{ data: { message: string }[] }>(admin, `/v1/fine-tunes/${trained.body.id}/events?limit=1`)(),
        ]);
        latest = events.data[0]?.message ?? latest;
        return view;
      },
      (view) => ['succeeded', 'failed', 'cancelled', 'refused'].includes(view.status),
      {
        what: `fine-tune ${trained.body.id}`,
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
    const evaluations = resource<{ data: { id: string; model_version_id: string }[] }>(
      admin,
      `${demo.taskPath}/evaluations?limit=20`,
    );
    const ofModel = (page: { data: { id: string; model_version_id: string }[] }) =>
      page.data.find((evaluation) => evaluation.model_version_id === modelId);
    const trainedEvaluationId = ofModel(
      await waitFor(evaluations, (page) => ofModel(page) !== undefined, { what: `the evaluation of model ${modelId}` }),
    )!.id;
    await followEvaluation(admin, trainedEvaluationId);
    for (const [name, id] of [
      ['prompt-only few-shot', made(demo, 'promptEvaluationId')],
      ['local trained model', trainedEvaluationId],
    ] as const) {
      const report = await fetch(`${demo.base}/v1/evaluations/${id}/report`, {
        headers: { authorization: `Bearer ${demo.adminKey}` },
      });
      show(`\n  ${name}:`);
      for (const line of (await report.text()).trimEnd().split('\n')) show(`    ${line}`);
    }
  },
};

interface Leaderboard {
  metric: string;
  champion_id: string | null;
  entries: {
    rank: number;
    model: { id: string; name: string };
    score: number;
    accuracy: number;
    cost_per_1000: number | null;
    versus_champion: { p_value: number } | null;
  }[];
}

export const showLeaderboard: Step = {
  title: 'Leaderboard and promotion',
  async run(demo) {
    const { admin } = demo;
    const board = await admin<Leaderboard>(
      'GET',
      `${demo.taskPath}/leaderboard?dataset_version_id=${made(demo, 'reviewedVersionId')}`,
    );
    for (const entry of board.body.entries) {
      const champion = entry.model.id === board.body.champion_id ? '  ← champion' : '';
      const versus = entry.versus_champion
        ? `, McNemar p=${entry.versus_champion.p_value.toPrecision(3)} vs champion`
        : '';
      show(
        `#${entry.rank} ${entry.model.name.padEnd(28)} ${board.body.metric} ${entry.score.toFixed(3)}  accuracy ${entry.accuracy.toFixed(3)}  $/1k ${entry.cost_per_1000 ?? 'n/a'}${versus}${champion}`,
      );
    }
    // The run's own task: its whole audit fits one page. Listed newest first, shown as it happened.
    const history = await admin<{ data: { action: string; reason: string }[] }>(
      'GET',
      `${demo.taskPath}/routing/history?limit=100`,
    );
    for (const event of [...history.body.data].reverse()) show(`audit: ${event.action}: ${event.reason}`);
  },
};
