import type OpenAI from 'openai';
import { toFile } from 'openai';
import { readCursorPages } from './cursor-pages.js';
import type { FineTuningApi, ProviderCheckpoint, ProviderEvent, ProviderFileStatus, ProviderJob } from '../provider.js';
import { toProviderError } from './provider-errors.js';

/** Pages read per list per poll: what is left waits for the next poll. */
const MAX_PAGES_PER_POLL = 20;
const PAGE_SIZE = 50;

/** The metadata key that ties a provider job to its Tuneline fine-tune, so creation is idempotent. */
const FINE_TUNE_METADATA_KEY = 'tuneline_fine_tune_id';

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
  error:
    job.error && (job.error.code || job.error.message)
      ? { code: job.error.code ?? null, message: job.error.message ?? null }
      : null,
  hyperparameters: (job.method?.supervised?.hyperparameters ?? job.hyperparameters ?? {}) as Record<string, unknown>,
});

/** Files and fine-tuning jobs at an OpenAI-compatible provider, through the official SDK. */
export function openAIFineTuning(client: OpenAI): FineTuningApi {
  return {
    uploadTrainingFile: (content: Buffer, filename: string) =>
      wrap(async () => (await client.files.create({ file: await toFile(content, filename), purpose: 'fine-tune' })).id),

    fileStatus: (id: string) =>
      wrap(async (): Promise<ProviderFileStatus> => {
        const file = await client.files.retrieve(id);
        return { status: file.status, details: file.status_details ?? null };
      }),

    /** The job earlier created for this fine-tune, if any: found by metadata after a crash. */
    findJob: (fineTuneId: string) =>
      wrap(async () => {
        const page = await client.fineTuning.jobs.list({
          metadata: { [FINE_TUNE_METADATA_KEY]: fineTuneId },
          limit: 10,
        });
        const job = page.data.find((candidate) => candidate.metadata?.[FINE_TUNE_METADATA_KEY] === fineTuneId);
        return job ? presentJob(job) : undefined;
      }),

    createJob: (input) =>
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

    /**
     * Events newer than what we have, newest first as the provider lists them: read from the top
     * (or from `after`, to continue an earlier read) until a known id, the end, a cursor that does
     * not advance, or the page budget. `next` says where to continue when the budget ran out.
     */
    newEvents: (id: string, known: ReadonlySet<string>, after?: string) =>
      wrap(async () => {
        const read = await readCursorPages(
          async (cursor) => {
            const page = await client.fineTuning.jobs.listEvents(id, {
              limit: PAGE_SIZE,
              ...(cursor ? { after: cursor } : {}),
            });
            return { data: page.data, hasMore: page.has_more };
          },
          {
            idOf: (event) => event.id,
            maxPages: MAX_PAGES_PER_POLL,
            ...(after ? { after } : {}),
            until: (event) => known.has(event.id),
          },
        );
        const events: ProviderEvent[] = read.items.map((event) => ({
          id: event.id,
          createdAt: new Date(event.created_at * 1000),
          level: event.level,
          message: event.message,
          type: event.type ?? null,
          data: (event.data as Record<string, unknown> | undefined) ?? null,
        }));
        return { events, next: read.next, stalled: read.stalled };
      }),

    /** Checkpoints, newest first, up to the page budget (there are a few per job: the last epochs'). */
    checkpoints: (id: string) =>
      wrap(async () => {
        const read = await readCursorPages(
          async (cursor) => {
            const page = await client.fineTuning.jobs.checkpoints.list(id, {
              limit: PAGE_SIZE,
              ...(cursor ? { after: cursor } : {}),
            });
            return { data: page.data, hasMore: page.has_more };
          },
          { idOf: (checkpoint) => checkpoint.id, maxPages: MAX_PAGES_PER_POLL },
        );
        const checkpoints: ProviderCheckpoint[] = read.items.map((checkpoint) => ({
          id: checkpoint.id,
          step: checkpoint.step_number,
          model: checkpoint.fine_tuned_model_checkpoint,
          metrics: checkpoint.metrics as Record<string, unknown>,
          createdAt: new Date(checkpoint.created_at * 1000),
        }));
        return { checkpoints, stalled: read.stalled };
      }),

    fileContent: (id: string) => wrap(async () => (await client.files.content(id)).text()),

    /** The provider's shutdown date for a model (YYYY-MM-DD), or null when none is announced. */
    shutdownDate: (model: string) =>
      wrap(
        async () => ((await client.models.retrieve(model)) as { shutdown_date?: string | null }).shutdown_date ?? null,
      ),
  };
}
