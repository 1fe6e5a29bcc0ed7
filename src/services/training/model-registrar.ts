import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { FineTuneRecord } from '../../db/schema/fine-tunes.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { newId } from '../../domain/ids.js';
import type { PromptConfig } from '../../providers/provider.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';
import type { EvaluationsService } from '../evaluation/evaluations-service.js';

/**
 * Turns a finished fine-tune into a candidate model version. Registration is keyed on the
 * fine-tune, so a step that runs twice registers one model.
 */
export const modelRegistrar = (deps: {
  modelVersions: ModelVersionsRepository;
  tasks: TasksService;
  datasets: DatasetsService;
  evaluations: EvaluationsService;
}) => {
  /** A new model is measured at once on the test split of the version it was trained on. */
  const evaluate = async (model: ModelVersionRecord, fineTune: FineTuneRecord) => {
    if (!(await deps.evaluations.existsFor(model.id))) {
      await deps.evaluations.create({ modelVersionId: model.id, datasetVersionId: fineTune.datasetVersionId, split: 'test' });
    }
    return model;
  };

  const base = async (fineTune: FineTuneRecord) => {
    const task = await deps.tasks.get(fineTune.taskId);
    const version = await deps.datasets.getVersion(fineTune.datasetVersionId);
    const prompt: PromptConfig = {
      instructions: task.instructions,
      labels: task.labels.map((label) => ({ name: label.name, ...(label.description ? { description: label.description } : {}) })),
      fewShot: [],
      asTrained: true,
    };
    return {
      id: newId(),
      taskId: task.id,
      status: 'candidate' as const,
      prompt: prompt as unknown as Record<string, unknown>,
      labelCodes: version.labelCodes,
      parentId: fineTune.parentModelVersionId,
      trainedOnVersionId: version.id,
      sourceFineTuneId: fineTune.id,
      name: `${task.slug}-${fineTune.provider === 'local' ? 'local' : 'ft'}-${fineTune.suffix ?? fineTune.id.slice(-8)}`,
    };
  };

  return {
    async registerHosted(fineTune: FineTuneRecord): Promise<ModelVersionRecord> {
      return this.evaluated(fineTune, {
        ...(await base(fineTune)),
        kind: 'fine_tuned',
        provider: fineTune.provider,
        model: fineTune.fineTunedModel!,
        trainingCostUsd: fineTune.costUsd,
      });
    },

    async registerLocal(fineTune: FineTuneRecord, artifact: Buffer): Promise<ModelVersionRecord> {
      return this.evaluated(fineTune, {
        ...(await base(fineTune)),
        kind: 'local_trained',
        provider: 'local',
        model: fineTune.baseModel,
        artifact,
        trainingCostUsd: 0,
      });
    },

    /** Registers once (a retried step finds the same model) and queues its evaluation once. */
    async evaluated(fineTune: FineTuneRecord, row: Parameters<ModelVersionsRepository['insert']>[0]): Promise<ModelVersionRecord> {
      if (fineTune.modelVersionId) return (await deps.modelVersions.findById(fineTune.modelVersionId))!;
      return evaluate(await deps.modelVersions.insert(row), fineTune);
    },
  };
};

export type ModelRegistrar = ReturnType<typeof modelRegistrar>;
