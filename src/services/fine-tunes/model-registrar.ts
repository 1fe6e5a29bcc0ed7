import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { FineTuneRecord } from '../../db/schema/fine-tunes.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { newId } from '../../domain/ids.js';
import { taskPrompt, type PromptFormat } from '../../domain/labeling/prompt-config.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';

/**
 * Turns a finished fine-tune into a candidate model version. Registration is keyed on the
 * fine-tune (model_versions.source_fine_tune_id is unique), so a step that runs twice, or two
 * racing steps, register one model. Evaluating it is a later step (auto-evaluation.ts).
 */
export const modelRegistrar = (deps: {
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findBySourceFineTune' | 'insert'>;
  tasks: Pick<TasksService, 'get'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'textOperationsOf'>;
  providers: Pick<Providers, 'training'>;
}) => {
  const base = async (fineTune: FineTuneRecord) => {
    const task = await deps.tasks.get(fineTune.taskId);
    const version = await deps.datasets.getVersion(fineTune.datasetVersionId);
    const format = deps.providers.training(fineTune.provider as ProviderName).fileFormat(fineTune.baseModel);
    const promptFormat: PromptFormat =
      format === 'openai-completions' ? 'completion' : fineTune.systemMessage ? 'chat' : 'chat_no_system';
    return {
      id: newId(),
      taskId: task.id,
      status: 'candidate' as const,
      prompt: taskPrompt(task, { asTrained: true, format: promptFormat }),
      promptFormat,
      // Inputs are prepared as its training texts were (see routing-table.ts).
      textOperations: await deps.datasets.textOperationsOf(version.id),
      labelCodes: version.labelCodes,
      parentId: fineTune.parentModelVersionId,
      trainedOnVersionId: version.id,
      sourceFineTuneId: fineTune.id,
      name: `${task.slug}-${deps.providers.training(fineTune.provider as ProviderName).nameTag}-${fineTune.suffix ?? fineTune.id.slice(-8)}`,
    };
  };

  /** Registers once: the model an earlier attempt registered comes back. */
  const register = async (
    fineTune: FineTuneRecord,
    row: () => Promise<Parameters<ModelVersionsRepository['insert']>[0]>,
  ) => (await deps.modelVersionsRepo.findBySourceFineTune(fineTune.id)) ?? deps.modelVersionsRepo.insert(await row());

  return {
    /** The model a fine-tune already registered (its training output, stored once), if any. */
    registered: (fineTune: FineTuneRecord): Promise<ModelVersionRecord | undefined> =>
      deps.modelVersionsRepo.findBySourceFineTune(fineTune.id),

    registerHosted: (fineTune: FineTuneRecord): Promise<ModelVersionRecord> =>
      register(fineTune, async () => ({
        ...(await base(fineTune)),
        kind: 'fine_tuned',
        provider: fineTune.provider,
        model: fineTune.fineTunedModel!,
        trainingCostUsd: fineTune.costUsd,
      })),

    registerLocal: (fineTune: FineTuneRecord, artifact: Buffer): Promise<ModelVersionRecord> =>
      register(fineTune, async () => ({
        ...(await base(fineTune)),
        kind: 'local_trained',
        provider: fineTune.provider,
        model: fineTune.baseModel,
        artifact,
        trainingCostUsd: 0,
      })),
  };
};

export type ModelRegistrar = ReturnType<typeof modelRegistrar>;
