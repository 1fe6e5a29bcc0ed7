import type { DatasetVersionsRepository } from '../db/repositories/dataset-versions-repository.js';
import type { DatasetsRepository } from '../db/repositories/datasets-repository.js';
import type { EvaluationsRepository } from '../db/repositories/evaluations-repository.js';
import type { FineTunesRepository } from '../db/repositories/fine-tunes-repository.js';
import type { LabelRunsRepository } from '../db/repositories/label-runs-repository.js';
import type { ModelVersionsRepository } from '../db/repositories/model-versions-repository.js';
import type { PipelinesRepository } from '../db/repositories/pipelines-repository.js';
import type { CascadePlansRepository } from '../db/repositories/cascade-plans-repository.js';
import { findOr404 } from './lookup.js';
import type { PredictionsService } from './predictions/predictions-service.js';

/** Resources that belong to a task and are addressed by their own id. */
export const OWNED_RESOURCES = {
  dataset: 'dataset',
  datasetVersion: 'dataset version',
  labelRun: 'label run',
  fineTune: 'fine-tune',
  modelVersion: 'model version',
  evaluation: 'evaluation',
  pipeline: 'pipeline',
  prediction: 'prediction',
  cascadePlan: 'cascade plan',
} as const;
export type OwnedResource = keyof typeof OWNED_RESOURCES;

/**
 * Which task a resource belongs to, for keys limited to some tasks. Unknown ids are the same 404
 * the resource's own service gives, so a limited key learns nothing it could not learn anyway.
 */
export const taskOwners = (deps: {
  datasetsRepo: Pick<DatasetsRepository, 'findById'>;
  datasetVersionsRepo: Pick<DatasetVersionsRepository, 'findById'>;
  labelRunsRepo: Pick<LabelRunsRepository, 'findById'>;
  fineTunesRepo: Pick<FineTunesRepository, 'findById'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'findById'>;
  pipelinesRepo: Pick<PipelinesRepository, 'findById'>;
  cascadePlansRepo: Pick<CascadePlansRepository, 'findById'>;
  predictions: Pick<PredictionsService, 'get'>;
}) => {
  const taskOfRow = async (
    kind: OwnedResource,
    id: string,
    find: (id: string) => Promise<{ taskId: string } | undefined>,
  ) => (await findOr404(OWNED_RESOURCES[kind], id, find)).taskId;

  const owners: Record<OwnedResource, (id: string) => Promise<string>> = {
    dataset: (id) => taskOfRow('dataset', id, (known) => deps.datasetsRepo.findById(known)),
    datasetVersion: async (id) => {
      const version = await findOr404(OWNED_RESOURCES.datasetVersion, id, (known) =>
        deps.datasetVersionsRepo.findById(known),
      );
      return taskOfRow('datasetVersion', id, async () => deps.datasetsRepo.findById(version.datasetId));
    },
    labelRun: (id) => taskOfRow('labelRun', id, (known) => deps.labelRunsRepo.findById(known)),
    fineTune: (id) => taskOfRow('fineTune', id, (known) => deps.fineTunesRepo.findById(known)),
    modelVersion: (id) => taskOfRow('modelVersion', id, (known) => deps.modelVersionsRepo.findById(known)),
    evaluation: (id) => taskOfRow('evaluation', id, (known) => deps.evaluationsRepo.findById(known)),
    pipeline: (id) => taskOfRow('pipeline', id, (known) => deps.pipelinesRepo.findById(known)),
    cascadePlan: (id) => taskOfRow('cascadePlan', id, (known) => deps.cascadePlansRepo.findById(known)),
    // Through the service: a prediction answered a moment ago may not be written yet.
    prediction: async (id) => (await deps.predictions.get(id)).prediction.taskId,
  };

  return { taskOf: (kind: OwnedResource, id: string): Promise<string> => owners[kind](id) };
};

export type TaskOwners = ReturnType<typeof taskOwners>;
