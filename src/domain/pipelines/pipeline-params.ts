import type { Operation } from '../datasets/operations.js';
import type { LabelRunRequest } from '../labeling/label-run-request.js';
import type { FineTuneRequest } from '../training/fine-tune-request.js';

/**
 * A pipeline as accepted, defaults resolved, stored with it (pipelines.params); every step reads
 * it. The API's snake_case request becomes this at the HTTP edge, and back again for responses.
 */
export interface PipelineParams<Provider extends string = string> {
  datasetVersionId: string;
  /** Label the version's unlabeled rows first (a pipeline never relabels labeled ones). */
  label?: Omit<LabelRunRequest<Provider>, 'onlyUnlabeled'>;
  prepare: { operations: Operation[] };
  /** Each trained on the prepared version. */
  candidates: Omit<FineTuneRequest<Provider>, 'datasetVersionId' | 'dryRun'>[];
  /** The prompt-only model every candidate is compared with, on the same rows. */
  baselineModelVersionId: string | null;
}
