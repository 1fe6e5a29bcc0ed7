import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { FineTuneRecord } from '../../db/schema/fine-tunes.js';
import type { Split } from '../../domain/datasets/rows.js';
import type { CurvePoint } from '../../domain/training/result-file.js';
import { trainInWorker } from '../../providers/local/trainer/train-in-worker.js';
import type { TasksService } from '../tasks-service.js';
import type { AutoEvaluationStep } from './auto-evaluation.js';
import type { ModelRegistrar } from './model-registrar.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';

/**
 * Trains the local model in a worker thread (the BullMQ worker's event loop keeps renewing its
 * job lock meanwhile), recording an event and a curve point per epoch, then registers the model:
 * its artifact is the training output, stored once. A retried step resumes after the last step
 * that completed: a fine-tune whose model is registered is not trained again, only marked
 * succeeded and evaluated.
 */
export const localTraining = (deps: {
  fineTunesRepo: Pick<FineTunesRepository, 'transition' | 'findById' | 'addEvents' | 'update'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'stream'>;
  tasks: Pick<TasksService, 'get'>;
  registrar: Pick<ModelRegistrar, 'registerLocal' | 'registered'>;
  autoEvaluation: Pick<AutoEvaluationStep, 'run'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => {
  const examples = async (versionId: string, split: Split) => {
    const out: { text: string; label: string }[] = [];
    for await (const batch of deps.datasetRowsRepo.stream(versionId, { split, labeledOnly: true })) {
      for (const row of batch) out.push({ text: row.text, label: row.label! });
    }
    return out;
  };

  const succeed = async (fineTune: FineTuneRecord, modelVersionId: string) => {
    await deps.fineTunesRepo.transition(fineTune.id, 'succeeded', { modelVersionId, finishedAt: new Date() });
    await deps.autoEvaluation.run((await deps.fineTunesRepo.findById(fineTune.id))!);
  };

  /** Trains and registers the model; undefined when a cancel request stopped the training. */
  const trainAndRegister = async (fineTune: FineTuneRecord, signal?: AbortSignal) => {
    const task = await deps.tasks.get(fineTune.taskId);
    await deps.fineTunesRepo.transition(fineTune.id, 'running', {}, 'training in a worker thread');
    const [train, validation] = await Promise.all([
      examples(fineTune.datasetVersionId, 'train'),
      examples(fineTune.datasetVersionId, 'validation'),
    ]);
    const curve: CurvePoint[] = [];
    const cancel = new AbortController();
    signal?.addEventListener('abort', () => cancel.abort(signal.reason), { once: true });
    const started = Date.now();
    let pending = Promise.resolve();
    const result = await trainInWorker(
      {
        train,
        validation: validation.length > 0 ? validation : undefined,
        labels: task.labels.map((label) => label.name),
        options: { seed: fineTune.seed ?? 42, ...(fineTune.hyperparameters as Record<string, number>) },
      },
      {
        signal: cancel.signal,
        onEpoch: (event) => {
          curve.push({
            step: event.epoch,
            train_loss: event.trainLoss,
            train_accuracy: null,
            valid_loss: event.validationLoss ?? null,
            valid_accuracy: event.validationAccuracy ?? null,
          });
          // Events are written in order; a cancel request stops the thread at the next epoch.
          pending = pending.then(async () => {
            await deps.fineTunesRepo.addEvents(fineTune.id, [
              {
                eventId: `epoch-${event.epoch}`,
                createdAt: new Date(),
                level: 'info',
                type: 'metrics',
                message: `Epoch ${event.epoch}/${event.epochs}: training loss ${event.trainLoss.toFixed(4)}`,
                data: { ...event },
              },
            ]);
            if ((await deps.fineTunesRepo.findById(fineTune.id))?.cancelRequested) cancel.abort(new Error('cancelled'));
          });
        },
      },
    ).catch(async (error: unknown) => {
      await pending;
      if (cancel.signal.aborted && !signal?.aborted) return undefined;
      throw error;
    });
    await pending;
    if (!result) {
      await deps.fineTunesRepo.transition(fineTune.id, 'cancelled', { finishedAt: new Date() }, 'cancelled on request');
      await deps.wake.ended({ fineTuneId: fineTune.id });
      return undefined;
    }
    const updated = await deps.fineTunesRepo.update(fineTune.id, {
      curve,
      costUsd: 0,
      trainedTokens: null,
      resolvedHyperparameters: result.summary.chosen,
      summary: {
        ...result.summary,
        train_examples: train.length,
        validation_examples: validation.length,
        seconds: (Date.now() - started) / 1000,
      },
    });
    return deps.registrar.registerLocal(updated, result.artifact);
  };

  return {
    async run(fineTune: FineTuneRecord, signal?: AbortSignal) {
      const model = (await deps.registrar.registered(fineTune)) ?? (await trainAndRegister(fineTune, signal));
      if (model) await succeed(fineTune, model.id);
    },

    /** A succeeded fine-tune whose automatic evaluation was not decided yet (its step failed after the success). */
    finish: (fineTune: FineTuneRecord) => deps.autoEvaluation.run(fineTune),
  };
};

export type LocalTraining = ReturnType<typeof localTraining>;
