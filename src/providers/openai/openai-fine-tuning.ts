import OpenAI, { toFile } from 'openai';
import { toProviderError } from './provider-errors.js';

export interface ProviderJob {
  id: string;
  status: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  resultFiles: string[];
  error: { code: string | null; message: string | null } | null;
  hyperparameters: Record<string, unknown>;
}

export interface ProviderEvent {
  id: string;
  createdAt: Date;
  level: string;
  message: string;
  type: string | null;
  data: Record<string, unknown> | null;
}

export interface ProviderCheckpoint {
  id: string;
  step: number;
  model: string;
  metrics: Record<string, unknown>;
  createdAt: Date;
}

/** The metadata key that ties a provider job to its Tuneline fine-tune, so creation is idempotent. */
export const FINE_TUNE_METADATA_KEY = 'tuneline_fine_tune_id';

const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw toProviderError(error);
  }
};

const presentJob = (job: OpenAI.FineTuning.FineTuningJob): ProviderJob => ({
  id: job.id,
  status: job.status,
  fineTunedModel: job.fine_tuned_model,
  trainedTokens: job.trained_tokens,
  resultFiles: job.result_files,
  error: job.error && (job.error.code || job.error.message) ? { code: job.error.code ?? null, message: job.error.message ?? null } : null,
  hyperparameters: (job.method?.supervised?.hyperparameters ?? job.hyperparameters ?? {}) as Record<string, unknown>,
});

/** Files and fine-tuning jobs at an OpenAI-compatible provider, through the official SDK. */
export function openAIFineTuning(client: OpenAI) {
  return {
    uploadTrainingFile: (content: Buffer, filename: string) =>
      wrap(async () => (await client.files.create({ file: await toFile(content, filename), purpose: 'fine-tune' })).id),

    fileStatus: (id: string) => wrap(async () => (await client.files.retrieve(id)).status),

    /** The job earlier created for this fine-tune, if any: found by metadata after a crash. */
    findJob: (fineTuneId: string) =>
      wrap(async () => {
        const page = await client.fineTuning.jobs.list({ metadata: { [FINE_TUNE_METADATA_KEY]: fineTuneId }, limit: 10 });
        const job = page.data.find((candidate) => candidate.metadata?.[FINE_TUNE_METADATA_KEY] === fineTuneId);
        return job ? presentJob(job) : undefined;
      }),

    createJob: (input: {
      fineTuneId: string;
      model: string;
      trainingFile: string;
      validationFile?: string;
      suffix?: string;
      seed?: number;
      hyperparameters: { n_epochs?: number | 'auto'; batch_size?: number | 'auto'; learning_rate_multiplier?: number | 'auto' };
    }) =>
      wrap(async () =>
        presentJob(
          await client.fineTuning.jobs.create({
            model: input.model,
            training_file: input.trainingFile,
            ...(input.validationFile ? { validation_file: input.validationFile } : {}),
            ...(input.suffix ? { suffix: input.suffix } : {}),
            ...(input.seed !== undefined ? { seed: input.seed } : {}),
            method: { type: 'supervised', supervised: { hyperparameters: input.hyperparameters } },
            metadata: { [FINE_TUNE_METADATA_KEY]: input.fineTuneId },
          }),
        ),
      ),

    retrieveJob: (id: string) => wrap(async () => presentJob(await client.fineTuning.jobs.retrieve(id))),

    cancelJob: (id: string) => wrap(async () => presentJob(await client.fineTuning.jobs.cancel(id))),

    /** Events newer than what we have, oldest first: pages are newest first, so read until a known id. */
    newEvents: (id: string, known: ReadonlySet<string>) =>
      wrap(async () => {
        const fresh: ProviderEvent[] = [];
        for await (const event of client.fineTuning.jobs.listEvents(id, { limit: 50 })) {
          if (known.has(event.id)) break;
          fresh.push({
            id: event.id,
            createdAt: new Date(event.created_at * 1000),
            level: event.level,
            message: event.message,
            type: event.type ?? null,
            data: (event.data as Record<string, unknown> | undefined) ?? null,
          });
        }
        return fresh.reverse();
      }),

    checkpoints: (id: string) =>
      wrap(async () => {
        const all: ProviderCheckpoint[] = [];
        for await (const checkpoint of client.fineTuning.jobs.checkpoints.list(id, { limit: 50 })) {
          all.push({
            id: checkpoint.id,
            step: checkpoint.step_number,
            model: checkpoint.fine_tuned_model_checkpoint,
            metrics: checkpoint.metrics as unknown as Record<string, unknown>,
            createdAt: new Date(checkpoint.created_at * 1000),
          });
        }
        return all;
      }),

    fileContent: (id: string) => wrap(async () => (await client.files.content(id)).text()),

    /** The provider's shutdown date for a model (YYYY-MM-DD), or null when none is announced. */
    shutdownDate: (model: string) =>
      wrap(async () => ((await client.models.retrieve(model)) as { shutdown_date?: string | null }).shutdown_date ?? null),
  };
}

export type OpenAIFineTuning = ReturnType<typeof openAIFineTuning>;
