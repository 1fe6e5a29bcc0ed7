import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { StartupError } from './lib/startup-error.js';
import { parsePriceOverrides, type PriceOverrides } from './domain/pricing.js';

/**
 * Every setting Tuneline reads from the environment. Parsed once by `loadConfig` at start-up and
 * passed down; nothing else reads `process.env`.
 */
const ConfigSchema = Type.Object({
  // Nothing in Tuneline branches on it (no test-only paths); checked so a typo still stops start-up.
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  REDIS_URL: Type.String({ pattern: '^rediss?://' }),
  // Prefix of every BullMQ key, so several deployments (or test runs) can share one Redis.
  QUEUE_PREFIX: Type.String({ default: 'tuneline', pattern: '^[A-Za-z0-9_:-]+$' }),
  ADMIN_API_KEY: Type.String({ minLength: 24 }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  // On SIGTERM the API first reports not ready and keeps serving this long, so load balancers
  // stop routing to it before it closes its connections.
  SHUTDOWN_DRAIN_MS: Type.Integer({ default: 0, minimum: 0, maximum: 600_000 }),
  // How long a worker's claim on a job lasts without renewal: after a crash, the job is picked up again this much later.
  JOB_LOCK_MS: Type.Integer({ default: 30_000, minimum: 1_000 }),
  // Hosted fine-tunes are polled from the training queue: first after this long, then 1.5× longer each time.
  FINE_TUNE_POLL_MS: Type.Integer({ default: 15_000, minimum: 10 }),
  FINE_TUNE_POLL_MAX_MS: Type.Integer({ default: 300_000, minimum: 10 }),
  // A pipeline step waiting on a label run, fine-tunes or evaluations is woken when they end; it
  // also looks again after this long, in case a wake-up was lost (a worker died in between).
  PIPELINE_WAIT_POLL_MS: Type.Integer({ default: 60_000, minimum: 10 }),
  // Server-sent event streams: a comment this often keeps proxies from closing an idle stream; a
  // stream ends after the maximum duration (the client reconnects with Last-Event-ID).
  SSE_HEARTBEAT_MS: Type.Integer({ default: 15_000, minimum: 10 }),
  SSE_MAX_DURATION_MS: Type.Integer({ default: 1_800_000, minimum: 100 }),
  // How long an uploaded training file may stay unprocessed before the fine-tune fails.
  FILE_PROCESSING_TIMEOUT_MS: Type.Integer({ default: 1_800_000, minimum: 10 }),
  REVOKED_KEY_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 0 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  IMPORT_MAX_BYTES: Type.Integer({ default: 512 * 1_048_576, minimum: 1024 }),
  MAX_TEXT_CHARS: Type.Integer({ default: 20_000, minimum: 1 }),
  OPENAI_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  OPENAI_BASE_URL: Type.String({ default: 'https://api.openai.com/v1', pattern: '^https?://' }),
  OPENAI_ORGANIZATION: Type.Optional(Type.String({ minLength: 1 })),
  OPENAI_PROJECT: Type.Optional(Type.String({ minLength: 1 })),
  OPENAI_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  // Default budgets for OpenAI-compatible calls when a run does not give its own (tier-1 gpt-4o-mini).
  OPENAI_RPM: Type.Integer({ default: 500, minimum: 1 }),
  OPENAI_TPM: Type.Integer({ default: 200_000, minimum: 1 }),
  TOGETHER_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TOGETHER_BASE_URL: Type.String({ default: 'https://api.together.xyz/v1', pattern: '^https?://' }),
  TOGETHER_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  // Together's limits are dynamic per account and model. 600 RPM is its former tier-1 chat limit
  // (Together support, "Rate limits"); it published no token limit, so the TPM is a cautious guess.
  TOGETHER_RPM: Type.Integer({ default: 600, minimum: 1 }),
  TOGETHER_TPM: Type.Integer({ default: 180_000, minimum: 1 }),
  // A JSON or YAML file of further provider connections (README, "Provider connections").
  PROVIDER_CONNECTIONS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  PRICE_OVERRIDES: Type.Optional(
    Type.String({ minLength: 2, description: 'JSON: {"model": {"input": 1, "output": 2}}' }),
  ),
  CLASSIFY_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 60_000, minimum: 1 }),
  // How often an API instance sends its rate-limit counts to Redis (and learns the others').
  CLASSIFY_RATE_LIMIT_SYNC_MS: Type.Integer({ default: 5, minimum: 1, maximum: 1_000 }),
  CLASSIFY_MAX_BATCH: Type.Integer({ default: 100, minimum: 1, maximum: 10_000 }),
  // A model's circuit opens when this share of its calls failed in the window (given enough calls),
  // and lets one trial call through after the reset time.
  CIRCUIT_ERROR_PERCENT: Type.Integer({ default: 50, minimum: 1, maximum: 100 }),
  CIRCUIT_MIN_CALLS: Type.Integer({ default: 5, minimum: 1 }),
  CIRCUIT_WINDOW_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  CIRCUIT_RESET_MS: Type.Integer({ default: 5_000, minimum: 10 }),
  PREDICTION_LOG_BUFFER: Type.Integer({ default: 20_000, minimum: 1 }),
  PREDICTION_LOG_BATCH: Type.Integer({ default: 500, minimum: 1, maximum: 5_000 }),
  PREDICTION_LOG_FLUSH_MS: Type.Integer({ default: 100, minimum: 1 }),
  // Records Postgres refuses, and those not written by shutdown, are kept here as JSON lines.
  PREDICTION_LOG_SPILL_DIR: Type.String({ default: 'var/prediction-log', minLength: 1 }),
  // The built web console (npm run build) the API serves at /console.
  CONSOLE_DIR: Type.String({ default: 'console/dist', minLength: 1 }),
  // Records pending this long with no successful write make /health/ready answer 503.
  PREDICTION_LOG_STALL_MS: Type.Integer({ default: 15_000, minimum: 10 }),
  // Routing is refreshed on every change notice; this periodic reload is the safety net.
  ROUTING_REFRESH_MS: Type.Integer({ default: 60_000, minimum: 100 }),
  // Worker processes serve Prometheus metrics on this port when it is set.
  WORKER_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
});

type Env = Static<typeof ConfigSchema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly adminApiKey: string;
  readonly migrateOnStart: boolean;
  readonly shutdownTimeoutMs: number;
  readonly shutdownDrainMs: number;
  readonly jobLockMs: number;
  readonly fineTunePollMs: number;
  readonly fineTunePollMaxMs: number;
  readonly pipelineWaitPollMs: number;
  readonly sseHeartbeatMs: number;
  readonly sseMaxDurationMs: number;
  readonly fileProcessingTimeoutMs: number;
  readonly revokedKeyRetentionDays: number;
  readonly bodyLimitBytes: number;
  readonly importMaxBytes: number;
  readonly consoleDir: string;
  readonly maxTextChars: number;
  readonly workerMetricsPort: number | undefined;
  readonly openai: {
    readonly apiKey: string | undefined;
    readonly baseUrl: string;
    readonly organization: string | undefined;
    readonly project: string | undefined;
    readonly timeoutMs: number;
    readonly rpm: number;
    readonly tpm: number;
  };
  readonly together: {
    readonly apiKey: string | undefined;
    readonly baseUrl: string;
    readonly timeoutMs: number;
    readonly rpm: number;
    readonly tpm: number;
  };
  /** The connections PROVIDER_CONNECTIONS_FILE adds to the built-in ones. */
  readonly connections: readonly ConnectionConfig[];
  readonly priceOverrides: PriceOverrides;
  readonly classify: {
    readonly rateLimitPerMinute: number;
    readonly rateLimitSyncMs: number;
    readonly maxBatch: number;
    readonly routingRefreshMs: number;
    readonly circuit: {
      readonly errorPercent: number;
      readonly minCalls: number;
      readonly windowMs: number;
      readonly resetMs: number;
    };
    readonly predictionLog: {
      readonly buffer: number;
      readonly batch: number;
      readonly flushMs: number;
      readonly spillDir: string;
      readonly stallMs: number;
    };
  };
}

/** The settings groups the providers are built from (src/providers/registry.ts): one per provider that has settings. */
export type ProvidersConfig = Pick<Config, 'openai' | 'together' | 'connections'>;

/** The kinds a connection file may name; each is a ProviderDefinition in src/providers. */
export const CONNECTION_KINDS = ['openai', 'azure-openai', 'together', 'openai-compatible'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];
/** Connections every deployment has, from their own settings groups; a file may not redefine them. */
export const BUILT_IN_CONNECTIONS = ['openai', 'together', 'local'] as const;
export const CONNECTION_NAME_PATTERN = '^[a-z][a-z0-9-]{0,39}$';

/** A named connection to a provider, from PROVIDER_CONNECTIONS_FILE. */
export interface ConnectionConfig {
  readonly name: string;
  readonly kind: ConnectionKind;
  readonly baseUrl: string;
  /** The environment variable the key was read from (the key itself is kept only in memory). */
  readonly apiKeyEnv: string | undefined;
  readonly apiKey: string | undefined;
  readonly rpm: number;
  readonly tpm: number;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Azure OpenAI's `api-version`. */
  readonly apiVersion: string | undefined;
  /** The server implements OpenAI's fine-tuning job API (openai-compatible). */
  readonly fineTuning: boolean;
  /** The model a request naming none gets, instead of the kind's. */
  readonly defaultModel: string | undefined;
  /** False: the server gives no logprobs, so none are asked for (openai-compatible). */
  readonly logprobs: boolean;
}

export class ConfigError extends StartupError {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment, listing every problem at once rather than failing on the first. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const known = Object.keys(ConfigSchema.properties);
  // Empty strings count as unset so `.env` files can leave optional values blank.
  const raw = Object.fromEntries(
    known.filter((key) => source[key] !== undefined && source[key] !== '').map((key) => [key, source[key]]),
  );
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const problems = [...Value.Errors(ConfigSchema, value)].map(describeProblem);
  const env = value as Env;
  let priceOverrides: PriceOverrides = {};
  try {
    priceOverrides = typeof env.PRICE_OVERRIDES === 'string' ? parsePriceOverrides(env.PRICE_OVERRIDES) : {};
  } catch (error) {
    problems.push((error as Error).message);
  }
  const connections =
    typeof env.PROVIDER_CONNECTIONS_FILE === 'string'
      ? loadConnectionsFile(env.PROVIDER_CONNECTIONS_FILE, source, problems)
      : [];
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return deepFreeze({
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    adminApiKey: env.ADMIN_API_KEY,
    migrateOnStart: env.MIGRATE_ON_START,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    jobLockMs: env.JOB_LOCK_MS,
    fineTunePollMs: env.FINE_TUNE_POLL_MS,
    fineTunePollMaxMs: env.FINE_TUNE_POLL_MAX_MS,
    pipelineWaitPollMs: env.PIPELINE_WAIT_POLL_MS,
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
    sseMaxDurationMs: env.SSE_MAX_DURATION_MS,
    fileProcessingTimeoutMs: env.FILE_PROCESSING_TIMEOUT_MS,
    revokedKeyRetentionDays: env.REVOKED_KEY_RETENTION_DAYS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    importMaxBytes: env.IMPORT_MAX_BYTES,
    consoleDir: env.CONSOLE_DIR,
    maxTextChars: env.MAX_TEXT_CHARS,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    openai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      organization: env.OPENAI_ORGANIZATION,
      project: env.OPENAI_PROJECT,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
      rpm: env.OPENAI_RPM,
      tpm: env.OPENAI_TPM,
    },
    together: {
      apiKey: env.TOGETHER_API_KEY,
      baseUrl: env.TOGETHER_BASE_URL,
      timeoutMs: env.TOGETHER_TIMEOUT_MS,
      rpm: env.TOGETHER_RPM,
      tpm: env.TOGETHER_TPM,
    },
    connections,
    priceOverrides,
    classify: {
      rateLimitPerMinute: env.CLASSIFY_RATE_LIMIT_PER_MINUTE,
      rateLimitSyncMs: env.CLASSIFY_RATE_LIMIT_SYNC_MS,
      maxBatch: env.CLASSIFY_MAX_BATCH,
      routingRefreshMs: env.ROUTING_REFRESH_MS,
      circuit: {
        errorPercent: env.CIRCUIT_ERROR_PERCENT,
        minCalls: env.CIRCUIT_MIN_CALLS,
        windowMs: env.CIRCUIT_WINDOW_MS,
        resetMs: env.CIRCUIT_RESET_MS,
      },
      predictionLog: {
        buffer: env.PREDICTION_LOG_BUFFER,
        batch: env.PREDICTION_LOG_BATCH,
        flushMs: env.PREDICTION_LOG_FLUSH_MS,
        spillDir: env.PREDICTION_LOG_SPILL_DIR,
        stallMs: env.PREDICTION_LOG_STALL_MS,
      },
    },
  });
}

/** Just what `npm run db:migrate` needs, so it runs before the rest is configured. */
export function loadDatabaseConfig(
  source: Record<string, string | undefined>,
): Pick<Config, 'databaseUrl' | 'logLevel'> {
  const placeholders = { REDIS_URL: 'redis://unused', ADMIN_API_KEY: 'unused-'.repeat(4) };
  const { databaseUrl, logLevel } = loadConfig({ ...placeholders, ...pick(source, ['DATABASE_URL', 'LOG_LEVEL']) });
  return { databaseUrl, logLevel };
}

const pick = (source: Record<string, string | undefined>, keys: string[]) =>
  Object.fromEntries(keys.map((key) => [key, source[key]]));

function describeProblem(error: { instancePath: string; message?: string; params?: Record<string, unknown> }) {
  const missing = error.params?.['requiredProperties'] as string[] | undefined;
  if (missing?.length) return `${missing.join(', ')}: required but not set`;
  const name = error.instancePath.replace(/^\//, '');
  const allowed = error.params?.['allowedValues'] as unknown[] | undefined;
  // Never echo values: some of them are secrets.
  return `${name}: ${error.message ?? 'invalid'}${allowed ? ` (${allowed.join(', ')})` : ''}`;
}

const CONNECTION_FIELDS = new Set([
  'name',
  'kind',
  'base_url',
  'api_key_env',
  'rpm',
  'tpm',
  'headers',
  'timeout_ms',
  'api_version',
  'fine_tuning',
  'default_model',
  'logprobs',
]);

/**
 * Reads and checks the connections file, adding every problem (with its place, never a value) to
 * `problems`. Keys are read from `source` under the variable each connection names. A `.yaml` or
 * `.yml` file is read as YAML, anything else as JSON.
 */
function loadConnectionsFile(
  path: string,
  source: Record<string, string | undefined>,
  problems: string[],
): ConnectionConfig[] {
  const where = 'PROVIDER_CONNECTIONS_FILE';
  const isYaml = /\.ya?ml$/i.test(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${where}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return [];
  }
  let parsed: unknown;
  try {
    parsed = isYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    // YAML says where (never what: the file may hold header values); JSON's message names no line.
    const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
    problems.push(`${where}: not valid ${isYaml ? 'YAML' : 'JSON'}${line ? ` (line ${line})` : ''}`);
    return [];
  }
  const list = isObject(parsed) ? parsed['connections'] : undefined;
  if (!Array.isArray(list)) {
    problems.push(`${where}: must be an object with a "connections" array`);
    return [];
  }
  const seen = new Set<string>(BUILT_IN_CONNECTIONS);
  const connections: ConnectionConfig[] = [];
  list.forEach((entry: unknown, index) => {
    const at = `${where} connections[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const before = problems.length;
    const problem = (field: string, message: string) => problems.push(`${at}.${field}: ${message}`);
    for (const field of Object.keys(entry)) if (!CONNECTION_FIELDS.has(field)) problem(field, 'unknown field');
    const text = (field: string, required: boolean, pattern?: RegExp): string | undefined => {
      const value = entry[field];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || value === '') problem(field, 'must be a non-empty string');
      else if (pattern && !pattern.test(value)) problem(field, `must match ${pattern.source}`);
      else return value;
      return undefined;
    };
    const integer = (field: string, fallback: number, minimum: number): number => {
      const value = entry[field] ?? fallback;
      if (!Number.isInteger(value) || (value as number) < minimum) problem(field, `must be an integer ≥ ${minimum}`);
      return value as number;
    };
    const name = text('name', true, new RegExp(CONNECTION_NAME_PATTERN));
    if (name !== undefined) {
      if (seen.has(name))
        problem(
          'name',
          (BUILT_IN_CONNECTIONS as readonly string[]).includes(name) ? 'is a built-in connection' : 'is not unique',
        );
      seen.add(name);
    }
    const kind = entry['kind'];
    if (!(CONNECTION_KINDS as readonly unknown[]).includes(kind))
      problem('kind', `must be one of ${CONNECTION_KINDS.join(', ')}`);
    const baseUrl = text('base_url', true, /^https?:\/\//);
    // A local server (vLLM, Ollama, ...) may need no key; every hosted kind does.
    const apiKeyEnv = text('api_key_env', kind !== 'openai-compatible', /^[A-Za-z_][A-Za-z0-9_]*$/);
    const apiVersion = text('api_version', kind === 'azure-openai');
    const defaultModel = text('default_model', false);
    const headers = entry['headers'] ?? {};
    if (!isObject(headers) || !Object.values(headers).every((value) => typeof value === 'string'))
      problem('headers', 'must be an object of strings');
    const fineTuning = entry['fine_tuning'] ?? false;
    if (typeof fineTuning !== 'boolean') problem('fine_tuning', 'must be true or false');
    // Only a server of unknown make may lack logprobs; the hosted kinds always give them.
    const logprobs = entry['logprobs'] ?? true;
    if (typeof logprobs !== 'boolean') problem('logprobs', 'must be true or false');
    else if (!logprobs && kind !== 'openai-compatible') problem('logprobs', 'may be false for openai-compatible only');
    const rpm = integer('rpm', 500, 1);
    const tpm = integer('tpm', 200_000, 1);
    const timeoutMs = integer('timeout_ms', 30_000, 100);
    if (problems.length > before) return;
    connections.push({
      name: name!,
      kind: kind as ConnectionKind,
      baseUrl: baseUrl!,
      apiKeyEnv,
      apiKey: apiKeyEnv && source[apiKeyEnv] ? source[apiKeyEnv] : undefined,
      rpm,
      tpm,
      timeoutMs,
      headers: headers as Record<string, string>,
      apiVersion,
      fineTuning: fineTuning as boolean,
      defaultModel,
      logprobs: logprobs as boolean,
    });
  });
  return connections;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner);
  }
  return Object.freeze(value);
}
