import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { FineTuneRecord } from '../../db/schema/fine-tunes.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { newId } from '../../domain/ids.js';
import type { PromptConfig } from '../../providers/provider.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';

/**
 * Turns a finished fine-tune into a candidate model version. Registration is keyed on the
 * fine-tune, so a step that runs twice registers one model.
 */
export const modelRegistrar = (deps: { modelVersions: ModelVersionsRepository; tasks: TasksService; datasets: DatasetsService }) => {
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
      name: `${task.slug}-${fineTune.suffix ?? fineTune.id.slice(-8)}`,
    };
  };

  return {
    async registerHosted(fineTune: FineTuneRecord): Promise<ModelVersionRecord> {
      return deps.modelVersions.insert({
        ...(await base(fineTune)),
        kind: 'fine_tuned',
        provider: fineTune.provider,
        model: fineTune.fineTunedModel!,
        trainingCostUsd: fineTune.costUsd,
      });
    },

    async registerLocal(fineTune: FineTuneRecord, artifact: Buffer): Promise<ModelVersionRecord> {
      return deps.modelVersions.insert({
        ...(await base(fineTune)),
        kind: 'local_trained',
        provider: 'local',
        model: fineTune.baseModel,
        artifact,
        trainingCostUsd: 0,
      });
    },
  };
};

export type ModelRegistrar = ReturnType<typeof modelRegistrar>;
