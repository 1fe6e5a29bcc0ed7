import type { ProvidersConfig } from '../config.js';
import type { ExportFormat } from '../domain/datasets/export-formats.js';
import type { PromptConfig } from '../domain/labeling/prompt-config.js';
import type { LifecycleTable } from '../domain/model-lifecycle.js';
import type { PriceOverrides } from '../domain/pricing.js';
import type { CurvePoint } from '../domain/training/result-file.js';
import type { RateLimitSnapshot } from '../lib/provider-rate-limiter.js';

/**
 * What a model provider offers Tuneline: a classifier (classify one text under a prompt
 * configuration), optionally fine-tuning, and a declaration of what it can do, which services ask
 * through the registry instead of knowing provider names. Each provider is a folder here with one
 * ProviderDefinition, registered in registry.ts. Providers never retry on their own: a
 * ProviderError says whether retrying makes sense, and the caller's rate limiter decides when.
 */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ClassifyResult {
  /** A label of the task, or null when the model's answer matched none (unparseable). */
  label: string | null;
  /** Probability per task label (may sum to less than 1 when mass went to non-labels). */
  probabilities: Record<string, number>;
  /** Probability of `label`, or null when unknown. */
  confidence: number | null;
  /** What the model actually answered, for the record. */
  rawOutput: string;
  usage: Usage;
  latencyMs: number;
}

export interface ClassifyOutcome extends ClassifyResult {
  rateLimit?: RateLimitSnapshot;
  /** What was odd in the provider's answer and corrected (usage counts clamped, ...), for the metrics. */
  oddities?: string[];
  /**
   * The answer carried no logprobs (the server gives none, or the connection does not ask for
   * them): the label was read from the text, and confidence is null.
   */
  withoutLogprobs?: boolean;
}

export interface Classifier {
  /** Which provider and model answered, for records and price lookups. */
  readonly provider: string;
  readonly model: string;
  classify(text: string, prompt: PromptConfig, signal?: AbortSignal): Promise<ClassifyOutcome>;
}

export type ProviderErrorKind = 'retryable' | 'permanent';

/**
 * A failed provider call. `code` is the provider's error code when it gave one
 * (rate_limit_exceeded, insufficient_quota, model_not_found, training_not_available, ...),
 * otherwise a Tuneline code (timeout, connection_error, server_error, ...).
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    readonly code: string,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; rateLimit?: RateLimitSnapshot } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }

  /** The model is gone for good (retired or never existed): take it out of service. */
  get modelGone(): boolean {
    return this.code === 'model_not_found';
  }
}

// ---- Fine-tuning at a hosted provider ----

export interface ProviderJob {
  id: string;
  status: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  resultFiles: string[];
  error: { code: string | null; message: string | null } | null;
  hyperparameters: Record<string, unknown>;
  /** What the provider billed for the job in USD (Together's `total_price`); null or absent when it reports none. */
  billedUsd?: number | null;
  /** What was odd in the provider's answer and corrected (a billed amount that cannot be one, ...), for the metrics. */
  oddities?: string[];
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

/** A file's processing state: `processed` files can be trained on; `error` ones never will be. */
export interface ProviderFileStatus {
  status: string;
  /** Why processing failed, as the provider words it. */
  details: string | null;
}

/** A hosted job's hyperparameters: a number, or `auto` for the provider's choice. */
export interface HostedHyperparameters {
  n_epochs?: number | 'auto';
  batch_size?: number | 'auto';
  learning_rate_multiplier?: number | 'auto';
}

export interface CreateJobInput {
  /** The Tuneline fine-tune the job belongs to; stored with the job so findJob can adopt it after a crash. */
  fineTuneId: string;
  model: string;
  trainingFile: string;
  validationFile?: string;
  suffix?: string;
  seed?: number;
  hyperparameters: HostedHyperparameters;
  /**
   * The earlier job this one continues (its id, or the model it made), for a provider whose
   * training continues `from_job`; `model` is then that job's base model.
   */
  continueFrom?: string;
}

/** What a job would be, for the provider's own pre-flight and price estimate before anything is created. */
export interface PlannedJob {
  model: string;
  hyperparameters: HostedHyperparameters;
}

/** Something in a planned job the provider would refuse; `field` is the request field (`base_model`, `hyperparameters.n_epochs`, ...). */
export interface ProviderPreflightProblem {
  code: 'unsupported_base_model' | 'hyperparameter_out_of_range';
  field: string;
  message: string;
}

/** The provider's estimate of a job's price, or why it has none yet (a file still being validated, ...). */
export type ProviderPriceEstimate = { available: true; usd: number } | { available: false; reason: string };

/**
 * Files and fine-tuning jobs at a hosted provider, for training steps that each do a little and
 * return (upload, then polls). Every call throws ProviderError on failure. Lists are read within a
 * page budget, so a provider that pages for ever cannot hold a step.
 */
export interface FineTuningApi {
  /** Uploads a JSONL training file; its id. */
  uploadTrainingFile(content: Buffer, filename: string): Promise<string>;
  fileStatus(id: string): Promise<ProviderFileStatus>;
  /** The job earlier created for this fine-tune, if any: creation is idempotent through it. */
  findJob(fineTuneId: string): Promise<ProviderJob | undefined>;
  createJob(input: CreateJobInput): Promise<ProviderJob>;
  retrieveJob(id: string): Promise<ProviderJob>;
  cancelJob(id: string): Promise<ProviderJob>;
  /**
   * Events newer than `known`, newest first, from the top or from `after` (to continue an earlier
   * read). `next`: where to continue when the page budget ran out; `stalled`: the cursor stopped advancing.
   */
  newEvents(
    id: string,
    known: ReadonlySet<string>,
    after?: string,
  ): Promise<{ events: ProviderEvent[]; next: string | null; stalled: boolean }>;
  /** Checkpoints, newest first, up to the page budget. */
  checkpoints(id: string): Promise<{ checkpoints: ProviderCheckpoint[]; stalled: boolean }>;
  /** A file's content as text (result files: per-step metrics). */
  fileContent(id: string): Promise<string>;
  /**
   * The job's loss curve, for a provider that serves it from its API rather than as a result file
   * (Together's metrics); absent when the curve comes in a result file.
   */
  trainingCurve?(jobId: string): Promise<CurvePoint[]>;
  /** The provider's shutdown date for a model (YYYY-MM-DD), or null when none is announced. */
  shutdownDate(model: string): Promise<string | null>;
  /**
   * What the provider would refuse in the job, asked of it (the models it trains, their limits),
   * for a provider that publishes them; absent when there is nothing to ask. Throws ProviderError
   * when it cannot tell (the caller then goes on without), within a short timeout.
   */
  preflight?(job: PlannedJob): Promise<ProviderPreflightProblem[]>;
  /**
   * The provider's price for training `job` on the uploaded `trainingFile`, for a provider that
   * estimates one; absent when the price table is all there is. Bounded by a short timeout.
   */
  estimatePrice?(job: PlannedJob, trainingFile: string): Promise<ProviderPriceEstimate>;
  /** Deletes an uploaded file (one uploaded only to be priced); present with estimatePrice. */
  deleteFile?(id: string): Promise<void>;
}

// ---- Dedicated endpoints (paid per minute of uptime) ----

/** A hardware configuration for dedicated endpoints, with its price. */
export interface EndpointHardware {
  id: string;
  /** USD per minute of uptime, per replica. */
  pricePerMinuteUsd: number;
  /** `available`, `unavailable` or `insufficient` when the provider said for a model; null when it did not. */
  availability: string | null;
}

/** A dedicated endpoint as the provider reports it. */
export interface ProviderEndpoint {
  id: string;
  /** The name chat requests give as the model to be served by this endpoint. */
  name: string;
  displayName: string | null;
  model: string;
  hardware: string | null;
  /** PENDING, STARTING, STARTED, STOPPING, STOPPED or ERROR. */
  state: string;
}

export interface CreateEndpointInput {
  model: string;
  hardware: string;
  minReplicas: number;
  maxReplicas: number;
  /** Tuneline's name for it, kept by the provider: how findEndpoint finds it again after a crash. */
  displayName: string;
}

/**
 * Dedicated endpoints at a hosted provider: a model served on hardware of its own, billed per
 * minute while started. Every call throws ProviderError on failure, within the connection's timeout.
 */
export interface DedicatedEndpointsApi {
  /** Hardware that fits `model`, with prices and availability. */
  hardware(model: string): Promise<EndpointHardware[]>;
  create(input: CreateEndpointInput): Promise<ProviderEndpoint>;
  get(id: string): Promise<ProviderEndpoint>;
  /** The caller's endpoint of that display name and model, if any (an endpoint created before a crash lost its answer). */
  findEndpoint(displayName: string, model: string): Promise<ProviderEndpoint | undefined>;
  /** Stops and deletes the endpoint, so nothing is billed; an endpoint already gone counts as stopped. */
  stop(id: string): Promise<void>;
}

// ---- What a provider declares ----

/** What a fine-tune on a provider becomes: a model at the provider, or local weights stored with the model version. */
export type TrainedModelKind = 'fine_tuned' | 'local_trained';

export interface TrainingCapability {
  /**
   * `fine_tuned`: a job at the provider's FineTuningApi, driven by upload and poll steps;
   * `local_trained`: Tuneline's in-process trainer, whose artifact is stored with the model.
   */
  kind: TrainedModelKind;
  /** The base model when a request names none; an in-process trainer trains only this one. */
  defaultBaseModel: string;
  /** Tag in the names of the models it trains: `<task>-<tag>-<suffix>`. */
  nameTag: string;
  /**
   * How a fine-tune is trained further (continued training): `from_model`, the parent's
   * fine-tuned model is the new job's base (OpenAI); `from_job`, the new job trains the parent's
   * base model, starting where the parent's job ended (Together's `from_checkpoint`). Absent for
   * an in-process trainer, which trains its one model again and records the lineage.
   */
  continues?: 'from_model' | 'from_job';
  /** The training file format for a base model (legacy completion models train on prompt/completion lines). */
  fileFormat(model: string): ExportFormat;
  /**
   * The epochs the provider trains when a request gives none (Together: 1); absent for OpenAI's
   * `auto`, which pre-flight estimates by its rule (more epochs for small files).
   */
  defaultEpochs?: number;
  /** USD for training `tokens` tokens on `model`; null when the price is unknown. */
  cost(model: string, tokens: number, overrides?: PriceOverrides): number | null;
}

export interface ProviderCapabilities {
  /** `hosted`: a remote API, rate-limited and billed; `in-process`: runs in Tuneline's processes, no network, no bill. */
  runs: 'hosted' | 'in-process';
  /** Labels texts and serves prompt-only models. */
  classifies: boolean;
  /** The model when a request names none. */
  defaultModel: string;
  /** How it trains, or null when it does not. */
  training: TrainingCapability | null;
  /** Needs an API key (or other setting) before it can be used. */
  needsKey: boolean;
  /** What to set when it is not configured, for error messages (`set OPENAI_API_KEY`). */
  configHint: string | null;
  /** Announces shutdown dates for its models (looked up before serving one). */
  shutdownDates: boolean;
  /** Serves models on dedicated endpoints Tuneline can start and stop (billed per minute). */
  dedicatedEndpoints: boolean;
  /**
   * Its answers carry confidences (token logprobs, or a local model's own scores); false for a
   * connection whose server gives no logprobs (`logprobs: false`), which is then not asked for them.
   */
  confidences: boolean;
}

/** Per-minute budgets for calls to a hosted provider. */
export interface DefaultBudget {
  rpm?: number;
  tpm?: number;
}

/** What a classifier is built for: a model id, legacy completion codes, or a local model's trained weights. */
export interface ClassifierSpec {
  model: string;
  /** Completion codes per label, for legacy prompt/completion fine-tunes. */
  labelCodes?: Record<string, string>;
  /** A local trained model's stored weights. */
  artifact?: Buffer;
}

/** The configuration providers are built from: their settings groups, which config.ts names. */
export type { ProvidersConfig };

/**
 * What one named connection is built from: a built-in settings group (OPENAI_*, TOGETHER_*) or an
 * entry of the connections file. The key is only ever held here, in memory.
 */
export interface ConnectionSettings {
  name: string;
  apiKey: string | undefined;
  /** Where the key comes from, for `set ...` hints; undefined when the connection needs none. */
  apiKeyEnv?: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  rpm: number;
  tpm: number;
  headers?: Readonly<Record<string, string>>;
  organization?: string | undefined;
  project?: string | undefined;
  apiVersion?: string | undefined;
  fineTuning?: boolean;
  defaultModel?: string | undefined;
  /** False: the server gives no logprobs (or refuses the parameter), so none are asked for. */
  logprobs?: boolean;
}

/** A provider connection as this deployment has it: configured or not, its clients created lazily. */
export interface ProviderConnection {
  readonly configured: boolean;
  /** Where this connection differs from its kind's declaration (a server that trains, its own default model, ...). */
  readonly capabilities?: Partial<ProviderCapabilities>;
  /** The address calls go to, for listings; never with credentials. */
  readonly baseUrl?: string;
  /** A cheap call that proves the connection works (hosted kinds: list the models); throws when it does not. */
  probe?(signal: AbortSignal): Promise<void>;
  classifier(spec: ClassifierSpec, prompt: PromptConfig): Classifier;
  /**
   * The classifier of a model version as classify serves it (and evaluations score it), when it
   * differs from `classifier` (labeling's): hosted chat models over a pooled HTTP client.
   */
  servingClassifier?(spec: ClassifierSpec, prompt: PromptConfig): Classifier;
  /** Default per-minute budgets (hosted providers); a run may bring its own. */
  readonly defaultBudget?: DefaultBudget;
  /** Files and jobs at the provider; present when its training kind is `fine_tuned`. */
  fineTuning?(): FineTuningApi;
  /** Present when it announces shutdown dates. */
  shutdownDate?(model: string): Promise<string | null>;
  /** Present when it serves models on dedicated endpoints. */
  dedicatedEndpoints?(): DedicatedEndpointsApi;
  /**
   * The provider's model list (one bounded read: the lists asked are unpaginated), for the model
   * catalogue; absent when its API has none. Throws ProviderError.
   */
  listModels?(signal: AbortSignal): Promise<ListedModel[]>;
  /** Whether that list carries shutdown dates (OpenAI's `shutdown_date`), so it is worth reading before refusing a model. */
  readonly listsShutdownDates?: boolean;
}

/** A model as a provider lists it; `shutdownDate` null when it announces none. */
export interface ListedModel {
  id: string;
  shutdownDate: string | null;
}

/** A kind of provider: what it can do, and how to build a connection of it. */
export interface ProviderDefinition {
  capabilities: ProviderCapabilities;
  /** The kind's dated table of model shutdowns, when it has one (its sources in its comments). */
  lifecycle?: LifecycleTable;
  /** Builds a connection from its settings; nothing connects until first used. */
  connect(settings: ConnectionSettings): ProviderConnection;
}
