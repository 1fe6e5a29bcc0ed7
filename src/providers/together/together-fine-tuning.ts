import { createHash } from 'node:crypto';
import type Together from 'together-ai';
import type { FileResponse } from 'together-ai/resources/files';
import type { FinetuneEvent, FinetuneResponse, FineTuningCreateParams } from 'together-ai/resources/fine-tuning';
import type { CurvePoint } from '../../domain/training/result-file.js';
import type {
  CreateJobInput,
  FineTuningApi,
  HostedHyperparameters,
  ProviderCheckpoint,
  ProviderEvent,
  ProviderFileStatus,
  ProviderJob,
} from '../provider.js';
import { toProviderError } from './together-errors.js';
import { DEFAULT_LEARNING_RATE, togetherPreflight, togetherPrice } from './together-preflight.js';

/**
 * Together's lists (jobs, events, checkpoints) are not paginated: one request each, of which at
 * most this many items are taken per poll. Events are compared with the stored ones, so what a
 * poll leaves out is taken by the next.
 */
const MAX_EVENTS_PER_POLL = 1_000;
const MAX_CHECKPOINTS = 100;

/** Longest suffix Together takes (letters, digits, `.`, `_`, `-`, starting with a letter or digit). */
const MAX_SUFFIX = 40;

/**
 * Together jobs carry no metadata, so the job a fine-tune created is found by a tag in its
 * suffix, which Together keeps on the job and puts in the model's name: `tl` and the last 12 hex
 * digits of the fine-tune's id (48 random bits of the UUIDv7). The tag comes first, so the suffix
 * always starts with a letter; the fine-tune's own suffix follows, shortened to fit.
 */
const tagOf = (fineTuneId: string): string => `tl${fineTuneId.replace(/-/g, '').slice(-12).toLowerCase()}`;

function suffixFor(fineTuneId: string, suffix: string | undefined): string {
  const tag = tagOf(fineTuneId);
  return suffix ? `${tag}-${suffix.slice(0, MAX_SUFFIX - tag.length - 1)}` : tag;
}

const carriesTag = (job: { suffix?: string; model_output_name?: string }, tag: string): boolean =>
  job.suffix !== undefined
    ? job.suffix === tag || job.suffix.startsWith(`${tag}-`)
    : (job.model_output_name?.includes(`-${tag}-`) ?? false);

/**
 * Together's job statuses in the interface's vocabulary (the one hosted-training.ts mirrors):
 * pending, queued → queued; running, compressing, uploading → running; completed → succeeded;
 * error → failed; cancelled → cancelled. `cancel_requested` stays running: the job may still
 * end completed, with a model that was paid for, so polling goes on until it has ended.
 */
const STATUSES: Readonly<Record<string, string>> = {
  pending: 'queued',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'running',
  completed: 'succeeded',
  error: 'failed',
  cancelled: 'cancelled',
};

/** The table's word for what Together sent, else `otherwise` (own keys only: `constructor` is no status). */
const translated = (table: Readonly<Record<string, string>>, value: string, otherwise: string): string =>
  Object.hasOwn(table, value) ? (table[value] ?? otherwise) : otherwise;

type JobObject = Pick<
  FinetuneResponse,
  | 'id'
  | 'status'
  | 'model_output_name'
  | 'token_count'
  | 'total_price'
  | 'n_epochs'
  | 'batch_size'
  | 'learning_rate'
  | 'training_type'
>;

/** Together's `total_price` unit: nanodollars (its own clients divide by 1e9). */
const NANODOLLARS_PER_USD = 1e9;

/**
 * The job's bill in USD. The spec types `total_price` as a plain integer, so a negative or
 * non-number one is no bill: null, named as an oddity so it is counted.
 */
function billed(totalPrice: unknown): { usd: number | null; oddity?: string } {
  if (totalPrice === undefined || totalPrice === null) return { usd: null };
  if (typeof totalPrice !== 'number' || !Number.isFinite(totalPrice) || totalPrice < 0)
    return { usd: null, oddity: 'invalid_billed_price' };
  return { usd: totalPrice / NANODOLLARS_PER_USD };
}

const presentJob = (job: JobObject, error: ProviderJob['error'] = null): ProviderJob => {
  const resolved = {
    n_epochs: job.n_epochs,
    batch_size: job.batch_size,
    learning_rate: job.learning_rate,
    training_type: job.training_type,
  };
  const bill = billed(job.total_price);
  return {
    id: job.id,
    status: translated(STATUSES, job.status, job.status),
    fineTunedModel: job.model_output_name ?? null,
    trainedTokens: job.token_count ?? null,
    // Together has no result files: its loss curve is read with trainingCurve.
    resultFiles: [],
    error,
    hyperparameters: Object.fromEntries(Object.entries(resolved).filter(([, value]) => value !== undefined)),
    billedUsd: bill.usd,
    ...(bill.oddity ? { oddities: [bill.oddity] } : {}),
  };
};

/**
 * The job's hyperparameters in Together's terms; `auto` leaves a field out, to Together's default
 * (1 epoch, the largest batch, learning rate 1e-5). There is no multiplier at Together, so
 * `learning_rate_multiplier` scales Together's default rate, as OpenAI's scales its own. No
 * `training_type` is sent: Together then trains LoRA, at the model's largest rank, as it
 * recommends. No `n_evals` either: evaluations on the validation file are billed per token, and
 * Tuneline evaluates the model itself.
 */
function hyperparameters(given: HostedHyperparameters): Partial<FineTuningCreateParams> {
  const number = (value: number | 'auto' | undefined) => (typeof value === 'number' ? value : undefined);
  const multiplier = number(given.learning_rate_multiplier);
  const params: Partial<FineTuningCreateParams> = {};
  const epochs = number(given.n_epochs);
  const batch = number(given.batch_size);
  if (epochs !== undefined) params.n_epochs = epochs;
  if (batch !== undefined) params.batch_size = batch;
  if (multiplier !== undefined) params.learning_rate = multiplier * DEFAULT_LEARNING_RATE;
  return params;
}

/** A time Together sent; now when it sent none that parses (the event is still worth keeping). */
const dateOf = (text: string): Date => {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? new Date() : new Date(ms);
};

const LEVELS: Readonly<Record<string, string>> = {
  warning: 'warn',
  legacy_iwarning: 'warn',
  error: 'error',
  legacy_ierror: 'error',
};

/**
 * Together's events have no id: one is made from what identifies an event (time, type, step,
 * message), the same on every read, so an event is stored once however often it is listed.
 */
const eventId = (event: FinetuneEvent): string =>
  `${event.created_at}:${event.type}:${createHash('sha256')
    .update(`${event.step ?? ''}\n${event.message}`)
    .digest('hex')
    .slice(0, 16)}`;

function presentEvent(event: FinetuneEvent): ProviderEvent {
  const details = {
    step: event.step,
    total_steps: event.total_steps,
    token_count: event.token_count,
    checkpoint_path: event.checkpoint_path,
    model_path: event.model_path,
    wandb_url: event.wandb_url,
  };
  // Together fills fields that do not apply with 0 or ''.
  const data = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined && value !== ''));
  return {
    id: eventId(event),
    createdAt: dateOf(event.created_at),
    level: translated(LEVELS, event.level ?? '', 'info'),
    message: event.message,
    type: event.type ?? null,
    data: Object.keys(data).length > 0 ? data : null,
  };
}

/** Newest first; events of the same instant keep Together's order, reversed. */
const newestFirst = (events: FinetuneEvent[]): FinetuneEvent[] =>
  events
    .map((event, index) => ({ event, index, at: Date.parse(event.created_at) || 0 }))
    .sort((a, b) => b.at - a.at || b.index - a.index)
    .map(({ event }) => event);

/** A file's state in the interface's words: `processed`, `error` (with Together's reason), or still waiting. */
function fileStatus(file: FileResponse): ProviderFileStatus {
  const report = file.validation_report;
  const state = file.processing_status;
  if (state === 'FAILED' || state === 'INVALID_FORMAT' || report?.valid === false)
    return { status: 'error', details: report?.error ?? state ?? null };
  // `processing_status` is the SDK's; the spec has only the deprecated `Processed` flag.
  if (state === undefined) return { status: file.Processed ? 'processed' : 'uploaded', details: null };
  return { status: state === 'COMPLETED' ? 'processed' : state.toLowerCase(), details: null };
}

/** A metric of one step, under the names Together has used: the spec's example (`train/loss`) and the flat ones. */
function metric(point: Readonly<Record<string, number>>, names: readonly string[]): number | null {
  for (const name of names) {
    const value = point[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

/** One metrics snapshot as a curve point; Together reports no accuracy. */
const curvePoint = (point: Readonly<Record<string, number>>): CurvePoint => ({
  step: metric(point, ['global_step', 'train/global_step', 'step']) ?? 0,
  train_loss: metric(point, ['train_loss', 'train/loss', 'loss']),
  train_accuracy: null,
  valid_loss: metric(point, ['eval_loss', 'eval/loss', 'valid_loss']),
  valid_accuracy: null,
});

const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw toProviderError(error);
  }
};

/** Files and fine-tuning jobs at Together, through the official SDK. */
export function togetherFineTuning(client: Together): FineTuningApi {
  /** Why a failed job failed: Together puts it in the job's last error event, not on the job. */
  const failure = async (id: string): Promise<ProviderJob['error']> => {
    const { data } = await client.fineTuning.listEvents(id);
    const event = newestFirst(data).find((candidate) => candidate.type === 'job_error' || candidate.level === 'error');
    return event ? { code: 'job_error', message: event.message } : null;
  };

  return {
    /**
     * The upload the spec describes (multipart POST /files/upload). The SDK's `files.upload`
     * takes another route that cannot run in an ES module in 0.52.0 (see the Together fake's README).
     */
    uploadTrainingFile: (content: Buffer, filename: string) =>
      wrap(async () => {
        const form = new FormData();
        form.set('purpose', 'fine-tune');
        form.set('file_name', filename);
        form.set('file_type', 'jsonl');
        form.set('file', new Blob([new Uint8Array(content)]), filename);
        return (await client.post<FileResponse>('/files/upload', { body: form })).id;
      }),

    fileStatus: (id: string) => wrap(async () => fileStatus(await client.files.retrieve(id))),

    /** The job earlier created for this fine-tune, if any: found by the tag in its suffix after a crash. */
    findJob: (fineTuneId: string) =>
      wrap(async () => {
        const tag = tagOf(fineTuneId);
        const { data } = await client.fineTuning.list();
        const job = data.find((candidate) => carriesTag(candidate, tag));
        return job ? presentJob(job) : undefined;
      }),

    createJob: (input: CreateJobInput) =>
      wrap(async () =>
        presentJob(
          await client.fineTuning.create({
            model: input.model,
            training_file: input.trainingFile,
            ...(input.validationFile ? { validation_file: input.validationFile } : {}),
            suffix: suffixFor(input.fineTuneId, input.suffix),
            ...(input.seed !== undefined ? { random_seed: input.seed } : {}),
            // A job id or output model name: Together continues from that job's final checkpoint.
            ...(input.continueFrom ? { from_checkpoint: input.continueFrom } : {}),
            ...hyperparameters(input.hyperparameters),
          }),
        ),
      ),

    retrieveJob: (id: string) =>
      wrap(async () => {
        const job = await client.fineTuning.retrieve(id);
        return presentJob(job, job.status === 'error' ? await failure(id) : null);
      }),

    cancelJob: (id: string) => wrap(async () => presentJob(await client.fineTuning.cancel(id))),

    /** Events not stored yet, newest first, from the one list Together keeps per job. */
    newEvents: (id: string, known: ReadonlySet<string>) =>
      wrap(async () => {
        const { data } = await client.fineTuning.listEvents(id);
        const events = newestFirst(data)
          .map(presentEvent)
          .filter((event) => !known.has(event.id))
          .slice(0, MAX_EVENTS_PER_POLL);
        return { events, next: null, stalled: false };
      }),

    /**
     * Checkpoints, newest first. `model` is how Together names one for continued training
     * (`from_checkpoint`: `<job id>:<step>`); it serves none of them as a model.
     */
    checkpoints: (id: string) =>
      wrap(async () => {
        const { data } = await client.fineTuning.listCheckpoints(id);
        const checkpoints: ProviderCheckpoint[] = [...data]
          .sort((a, b) => b.step - a.step)
          .slice(0, MAX_CHECKPOINTS)
          .map((checkpoint) => ({
            id: `${id}:${checkpoint.step}:${checkpoint.checkpoint_type}`,
            step: checkpoint.step,
            model: `${id}:${checkpoint.step}`,
            metrics: {},
            createdAt: dateOf(checkpoint.created_at),
          }));
        return { checkpoints, stalled: false };
      }),

    /** The loss curve, from GET /fine-tunes/{id}/metrics (chronological), where Together keeps it. */
    trainingCurve: (id: string) =>
      wrap(async () => ((await client.fineTuning.listMetrics(id)).metrics ?? []).map(curvePoint)),

    fileContent: (id: string) => wrap(async () => (await client.files.content(id)).text()),

    /** Together announces no shutdown dates through its API. */
    shutdownDate: async () => null,

    preflight: (job) => wrap(() => togetherPreflight(client, job)),

    estimatePrice: (job, trainingFile) => wrap(() => togetherPrice(client, job, trainingFile)),

    deleteFile: (id: string) =>
      wrap(async () => {
        await client.files.delete(id);
      }),
  };
}
