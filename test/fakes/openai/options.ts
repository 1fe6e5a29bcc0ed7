import type { StatusFault } from '../shared/fault-injector.js';
import type { ScriptRule } from '../shared/scripting.js';
import type { TokenizerChoice } from './tokens.js';

export type { StatusFault };

/** Limits for one model (or for everything when `scope` is `shared`); omitted means unlimited. */
export interface Limits {
  rpm?: number;
  tpm?: number;
}

export interface RateLimitOptions extends Limits {
  /** `per-model` (default, like OpenAI): each model has its own buckets. `shared`: one pair for all. */
  scope?: 'per-model' | 'shared';
  /** Per-model overrides, keyed by the model name as requested (fine-tunes count as their base). */
  models?: Record<string, Limits>;
}

export interface FaultOptions {
  /** Probability (0..1) that a request gets a 500 server_error. */
  errorRate?: number;
  /** Statuses to answer next, one per request, consumed in order. Setting it replaces the queue. */
  statusSequence?: (number | StatusFault)[];
  latencyMs?: number;
  latencyJitterMs?: number;
  /**
   * Report these token counts in chat and completions `usage` instead of the real ones. The spec
   * types them as plain integers, so negative or absurd counts are answers a client must survive.
   */
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  /** Never answer: `true` for every request, `{ count }` for the next N requests. */
  hang?: boolean | { count: number };
  /** 429 insufficient_quota on chat, completions and fine-tuning job creation. */
  insufficientQuota?: boolean;
  /** Send `x-should-retry: false` on non-retryable 429s; the real API does not. */
  sendShouldRetryHeader?: boolean;
  /** 403 training_not_available on `POST /v1/fine_tuning/jobs`. */
  trainingNotAvailable?: boolean;
  /** New fine-tuning jobs fail validation with this error (asynchronously, like a bad file). */
  failJobs?: { code: string; message: string; param?: string };
  /** New fine-tuning jobs fail validation with `error: null` (the spec allows it). */
  failJobsWithoutError?: boolean;
  /** Succeeded jobs report this `trained_tokens` (e.g. negative or huge), whatever they trained. */
  trainedTokens?: number;
  /** Job event and checkpoint lists ignore `after` and always answer `has_more: true` (the same page forever). */
  endlessPages?: boolean;
  /** New uploads stay `uploaded` for ever. */
  stuckFiles?: boolean;
  /** New `fine-tune` uploads end in status `error` with this `status_details`. */
  fileErrors?: string;
  /** Result files (`fine-tune-results`) exist, but their content answers 404. */
  unreadableResultFiles?: boolean;
  /** Models that answer 404 model_not_found everywhere. */
  retiredModels?: string[];
  /** Restrict errorRate/statusSequence/latency/hang to these paths (`/chat/completions` or `/v1/...`). */
  paths?: string[];
}

export interface ModelOptions {
  /** When set, only these models (plus fine-tunes made by the fake) exist; else name patterns decide. */
  known?: string[];
  retired?: string[];
  /** `shutdown_date` per model id; fine-tunes inherit their base model's date. */
  shutdownDates?: Record<string, string | null>;
  /** Alias → snapshot, echoed in responses and used in fine-tuned model names. */
  aliases?: Record<string, string>;
}

export interface JobTiming {
  validatingMs: number;
  queuedMs: number;
  runningMs: number;
}

export interface FakeOptions {
  host?: string;
  port?: number;
  /** Organization id: `organization_id`, rate-limit messages, `openai-organization`. */
  organization?: string;
  /** Organization slug used in fine-tuned model names `ft:<base>:<slug>:<suffix>:<id>`. */
  organizationSlug?: string;
  rateLimits?: RateLimitOptions;
  faults?: FaultOptions;
  models?: ModelOptions;
  jobTiming?: Partial<JobTiming>;
  /** Delay before an uploaded file turns from `uploaded` to `processed`. */
  fileProcessingMs?: number;
  /** Probability of the scripted answer when the rule gives no distribution. */
  answerProbability?: number;
  tokenizer?: TokenizerChoice;
  /**
   * `false`: chat answers carry `logprobs: null` even when asked for them, as OpenAI-compatible
   * servers without logprob support do (the spec makes a choice's `logprobs` nullable).
   */
  logprobs?: boolean;
  /** How a job that has not failed shows `error`: `null` (spec), `{}` or all-null fields (seen live). */
  jobErrorWhenOk?: 'null' | 'empty' | 'nulls';
  /** Ring size of the request log. */
  maxLoggedRequests?: number;
  /** Seed for the fault dice and loss curves; random when omitted. */
  seed?: number;
  script?: ScriptRule;
  /** Clock in ms; tests may move time instead of waiting. */
  now?: () => number;
}

export type ResolvedOptions = Required<Omit<FakeOptions, 'script' | 'seed' | 'jobTiming'>> & {
  jobTiming: JobTiming;
  seed: number | undefined;
  script: ScriptRule | undefined;
};

export const DEFAULT_SHUTDOWN_DATES: Record<string, string> = {
  'babbage-002': '2026-09-28',
  'davinci-002': '2026-09-28',
  'gpt-3.5-turbo-instruct': '2026-09-28',
  'gpt-3.5-turbo-1106': '2026-09-28',
  'gpt-3.5-turbo': '2026-10-23',
  'gpt-3.5-turbo-0125': '2026-10-23',
  'gpt-4o-mini': '2027-01-14',
  'gpt-4o-mini-2024-07-18': '2027-01-14',
  'gpt-4o': '2027-01-14',
  'gpt-4o-2024-08-06': '2027-01-14',
  'gpt-4.1': '2027-01-14',
  'gpt-4.1-2025-04-14': '2027-01-14',
  'gpt-4.1-mini': '2027-01-14',
  'gpt-4.1-mini-2025-04-14': '2027-01-14',
};

export const DEFAULT_ALIASES: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};

export function resolveOptions(options: FakeOptions = {}): ResolvedOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    organization: options.organization ?? 'org-fake',
    organizationSlug: options.organizationSlug ?? 'fake-org',
    rateLimits: { scope: 'per-model', ...options.rateLimits },
    faults: { ...options.faults },
    models: {
      ...options.models,
      shutdownDates: { ...DEFAULT_SHUTDOWN_DATES, ...options.models?.shutdownDates },
      aliases: { ...DEFAULT_ALIASES, ...options.models?.aliases },
    },
    jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 200, ...options.jobTiming },
    fileProcessingMs: options.fileProcessingMs ?? 0,
    answerProbability: options.answerProbability ?? 0.9,
    tokenizer: options.tokenizer ?? 'o200k_base',
    logprobs: options.logprobs ?? true,
    jobErrorWhenOk: options.jobErrorWhenOk ?? 'null',
    maxLoggedRequests: options.maxLoggedRequests ?? 10_000,
    seed: options.seed,
    script: options.script,
    now: options.now ?? Date.now,
  };
}

/** `configure()`: top-level keys replace, the nested option groups merge one level deep. */
export function mergeOptions(current: ResolvedOptions, patch: FakeOptions): ResolvedOptions {
  return {
    ...current,
    ...definedEntries(patch),
    rateLimits: { ...current.rateLimits, ...patch.rateLimits },
    faults: { ...current.faults, ...patch.faults },
    models: {
      ...current.models,
      ...patch.models,
      shutdownDates: { ...current.models.shutdownDates, ...patch.models?.shutdownDates },
      aliases: { ...current.models.aliases, ...patch.models?.aliases },
    },
    jobTiming: { ...current.jobTiming, ...patch.jobTiming },
    host: current.host,
    port: current.port,
    seed: patch.seed ?? current.seed,
    script: 'script' in patch ? patch.script : current.script,
  };
}

const definedEntries = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
