import type { InjectableFaults, StatusFault } from '../shared/fault-injector.js';
import type { ScriptRule } from '../shared/scripting.js';

export type { StatusFault };

/** Per-second limits, as Together measures them (its docs show them per minute); omitted means unlimited. */
export interface Limits {
  rps?: number;
  tps?: number;
}

export interface RateLimitOptions extends Limits {
  /** Per-model overrides, keyed by the model name as requested. */
  models?: Record<string, Limits>;
}

export interface TogetherFaultOptions extends InjectableFaults {
  /** Probability (0..1) that a request gets a 500. */
  errorRate?: number;
  /** Statuses to answer next, one per request, consumed in order. Setting it replaces the queue. */
  statusSequence?: (number | StatusFault)[];
  latencyMs?: number;
  latencyJitterMs?: number;
  /** Never answer: `true` for every request, `{ count }` for the next N requests. */
  hang?: boolean | { count: number };
  /** Restrict errorRate/statusSequence/latency/hang to these paths (`/chat/completions` or `/v1/...`). */
  paths?: string[];
  /** Report these token counts in chat `usage` instead of the real ones (negative or absurd ones included). */
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  /** Chat answers `usage: null`, which the spec's `UsageData` (nullable) allows. */
  nullUsage?: boolean;
  /** Chat answers leave `logprobs` out even when asked for; the spec makes it optional. */
  dropLogprobs?: boolean;
  /** New fine-tunes end in `error` with this message when training would start. */
  failJobs?: { message: string };
  /** New fine-tunes stay `queued` for ever (`queue_depth` 1, no time estimate). */
  stuckJobs?: boolean;
  /** Completed fine-tunes report this `token_count` (e.g. negative or huge), whatever they trained. */
  tokenCount?: number;
  /** Fine-tunes report this `total_price` (nanodollars), whatever they cost. */
  totalPrice?: number;
  /** Fine-tune objects carry only the fields the spec requires (`id`, `status`, and for lists `created_at`, `updated_at`). */
  minimalJobs?: boolean;
  /** Endpoints that start end in state `ERROR` instead of `STARTED`. */
  endpointErrors?: boolean;
  /** Hardware ids listed as `unavailable` and refused for new endpoints. */
  unavailableHardware?: string[];
  /** Models that answer 404 everywhere, as if Together had retired them. */
  retiredModels?: string[];
}

export interface JobTiming {
  pendingMs: number;
  queuedMs: number;
  runningMs: number;
  compressingMs: number;
  uploadingMs: number;
  /** `cancel_requested` → `cancelled`. */
  cancellingMs: number;
}

export interface EndpointTiming {
  pendingMs: number;
  startingMs: number;
  stoppingMs: number;
}

export interface TogetherFakeOptions {
  host?: string;
  port?: number;
  /** The account's namespace: fine-tuned model names `<namespace>/<model>-<suffix>-<id>`, endpoint names and owners. */
  namespace?: string;
  /** `user_id` on fine-tunes. */
  userId?: string;
  rateLimits?: RateLimitOptions;
  faults?: TogetherFaultOptions;
  jobTiming?: Partial<JobTiming>;
  endpointTiming?: Partial<EndpointTiming>;
  /** Delay between an upload and `Processed: true`. */
  fileProcessingMs?: number;
  /**
   * Fine-tuned models answer chat only through a started dedicated endpoint (true), or serverless
   * as LoRA adapters (false). Base models that are not serverless always need an endpoint.
   */
  servingRequiresEndpoint?: boolean;
  /** Probability of the scripted answer when the rule gives no distribution. */
  answerProbability?: number;
  /**
   * `logprobs.top_logprobs` as the spec types it, one `{ token: logprob }` map (for the first
   * generated token), or `per-token`: a list of such maps, one per token, as the live API has
   * been seen to answer (not what the spec allows).
   */
  topLogprobsShape?: 'spec' | 'per-token';
  /** Fine-tune ids `ft-<uuid>` (as live and as the spec's descriptions say) or bare UUIDs (the `format: uuid` of `FinetuneResponse.id`). */
  jobIds?: 'ft-uuid' | 'uuid';
  /** `user_limit` of price estimates, in dollars. */
  creditLimitUsd?: number;
  /** Ring size of the request log. */
  maxLoggedRequests?: number;
  /** Seed for the fault dice and loss curves; random when omitted. */
  seed?: number;
  script?: ScriptRule;
  /** Clock in ms; tests may move time instead of waiting. */
  now?: () => number;
}

export type ResolvedOptions = Required<
  Omit<TogetherFakeOptions, 'script' | 'seed' | 'jobTiming' | 'endpointTiming'>
> & {
  jobTiming: JobTiming;
  endpointTiming: EndpointTiming;
  seed: number | undefined;
  script: ScriptRule | undefined;
};

export function resolveOptions(options: TogetherFakeOptions = {}): ResolvedOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    namespace: options.namespace ?? 'fake-user',
    userId: options.userId ?? 'user_fake0000000000000000',
    rateLimits: { ...options.rateLimits },
    faults: { ...options.faults },
    jobTiming: {
      pendingMs: 50,
      queuedMs: 50,
      runningMs: 200,
      compressingMs: 20,
      uploadingMs: 20,
      cancellingMs: 20,
      ...options.jobTiming,
    },
    endpointTiming: { pendingMs: 20, startingMs: 50, stoppingMs: 20, ...options.endpointTiming },
    fileProcessingMs: options.fileProcessingMs ?? 0,
    servingRequiresEndpoint: options.servingRequiresEndpoint ?? true,
    answerProbability: options.answerProbability ?? 0.9,
    topLogprobsShape: options.topLogprobsShape ?? 'spec',
    jobIds: options.jobIds ?? 'ft-uuid',
    creditLimitUsd: options.creditLimitUsd ?? 100,
    maxLoggedRequests: options.maxLoggedRequests ?? 10_000,
    seed: options.seed,
    script: options.script,
    now: options.now ?? Date.now,
  };
}

/** `configure()`: top-level keys replace, the nested option groups merge one level deep. */
export function mergeOptions(current: ResolvedOptions, patch: TogetherFakeOptions): ResolvedOptions {
  const defined = Object.fromEntries(
    Object.entries(patch).filter(([, value]) => value !== undefined),
  ) as Partial<ResolvedOptions>;
  return {
    ...current,
    ...defined,
    rateLimits: { ...current.rateLimits, ...patch.rateLimits },
    faults: { ...current.faults, ...patch.faults },
    jobTiming: { ...current.jobTiming, ...patch.jobTiming },
    endpointTiming: { ...current.endpointTiming, ...patch.endpointTiming },
    host: current.host,
    port: current.port,
    seed: patch.seed ?? current.seed,
    script: 'script' in patch ? patch.script : current.script,
  };
}
