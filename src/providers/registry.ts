import { CONNECTION_NAME_PATTERN, type ConnectionConfig } from '../config.js';
import type { PromptConfig } from '../domain/labeling/prompt-config.js';
import type { PriceOverrides } from '../domain/pricing.js';
import { azureOpenAIProvider } from './azure-openai/azure-openai-provider.js';
import { localProvider } from './local/local-provider.js';
import { openAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { openAIProvider } from './openai/openai-provider.js';
import { togetherProvider } from './together/together-provider.js';
import type { LifecycleTable } from '../domain/model-lifecycle.js';
import type {
  Classifier,
  ListedModel,
  ClassifierSpec,
  ConnectionSettings,
  DedicatedEndpointsApi,
  DefaultBudget,
  FineTuningApi,
  ProviderCapabilities,
  ProviderConnection,
  ProviderDefinition,
  ProvidersConfig,
  TrainingCapability,
} from './provider.js';

/**
 * Every kind of provider Tuneline knows. Adding one is a folder under src/providers with its
 * ProviderDefinition, and a line here. A deployment has named connections of these kinds: the
 * built-in ones below, and those of its connections file. Only src/providers knows kinds and
 * built-in names: services ask the registry about a connection by its name.
 */
const KINDS = {
  openai: openAIProvider,
  'azure-openai': azureOpenAIProvider,
  together: togetherProvider,
  'openai-compatible': openAICompatibleProvider,
  local: localProvider,
} as const satisfies Record<ConnectionConfig['kind'] | 'local', ProviderDefinition>;

export type ProviderKind = keyof typeof KINDS;
export const PROVIDER_KINDS = Object.keys(KINDS) as ProviderKind[];

/** A connection's name: a built-in one or one of the connections file. */
export type ProviderName = string;
export const PROVIDER_NAME_PATTERN = CONNECTION_NAME_PATTERN;

/** The connections every deployment has, and their kinds, in the order the API lists them. */
const BUILT_IN = { openai: 'openai', together: 'together', local: 'local' } as const satisfies Record<
  string,
  ProviderKind
>;
export const BUILT_IN_PROVIDERS = Object.keys(BUILT_IN) as ProviderName[];

export interface ModelSpec extends ClassifierSpec {
  provider: ProviderName;
}

/** A connection name this deployment does not have; services answer it with a 400 naming it. */
export class UnknownProviderError extends Error {
  constructor(readonly provider: string) {
    super(`unknown provider connection ${provider}`);
    this.name = 'UnknownProviderError';
  }
}

/** The declared capabilities of a kind; no configuration needed. */
export const kindCapabilities = (kind: ProviderKind): ProviderCapabilities => KINDS[kind].capabilities;

/** The built-in connection that needs nothing configured and runs in-process: what works offline, by default. */
export const OFFLINE_PROVIDER: ProviderName = BUILT_IN_PROVIDERS.find((name) => {
  const capabilities = kindCapabilities(BUILT_IN[name as keyof typeof BUILT_IN]);
  return capabilities.runs === 'in-process' && !capabilities.needsKey && capabilities.classifies;
})!;

interface Connection {
  kind: ProviderKind;
  capabilities: ProviderCapabilities;
  live: ProviderConnection;
}

/** Each connection's kind and settings: the built-in groups, then the connections file. */
function connectionSettings(config: ProvidersConfig): { kind: ProviderKind; settings: ConnectionSettings }[] {
  return [
    { kind: BUILT_IN.openai, settings: { name: 'openai', ...config.openai } },
    { kind: BUILT_IN.together, settings: { name: 'together', ...config.together } },
    { kind: BUILT_IN.local, settings: { name: 'local', apiKey: undefined, baseUrl: '', timeoutMs: 0, rpm: 0, tpm: 0 } },
    ...config.connections.map(({ kind, ...settings }) => ({ kind, settings })),
  ];
}

/** Builds each connection from configuration (clients are created on first use) and answers for them by name. */
/** A classifier answering under its connection's name (rate budgets and records are per connection). */
const underName = (provider: ProviderName, classifier: Classifier): Classifier =>
  classifier.provider === provider
    ? classifier
    : { provider, model: classifier.model, classify: (...args) => classifier.classify(...args) };

export function createProviders(config: ProvidersConfig) {
  const connections = new Map<ProviderName, Connection>(
    connectionSettings(config).map(({ kind, settings }) => {
      const live = KINDS[kind].connect(settings);
      return [settings.name, { kind, live, capabilities: { ...KINDS[kind].capabilities, ...live.capabilities } }];
    }),
  );
  const connection = (provider: ProviderName): Connection => {
    const found = connections.get(provider);
    if (!found) throw new UnknownProviderError(provider);
    return found;
  };
  const capabilities = (provider: ProviderName): ProviderCapabilities => connection(provider).capabilities;
  const trainingOf = (provider: ProviderName): TrainingCapability => {
    const training = capabilities(provider).training;
    if (!training) throw new Error(`provider ${provider} does not train`);
    return training;
  };
  const names = [...connections.keys()];

  return {
    /** Every connection's name, built-in ones first. */
    names: (): ProviderName[] => names,

    /** Whether this deployment has a connection of that name. */
    has: (provider: string): boolean => connections.has(provider),

    kind: (provider: ProviderName): ProviderKind => connection(provider).kind,

    /** The kind's declared capabilities, as the connection's settings change them. */
    capabilities,

    /** Whether the connection can be used at all in this deployment (a hosted one needs its key). */
    isConfigured: (provider: ProviderName): boolean => connection(provider).live.configured,

    /** What to set to configure the connection, for messages (null when there is nothing to set). */
    configHint: (provider: ProviderName): string | null => capabilities(provider).configHint,

    /** Runs in Tuneline's own processes: no network, no rate budget, no bill. */
    isInProcess: (provider: ProviderName): boolean => capabilities(provider).runs === 'in-process',

    /** The model a request that names none gets. */
    defaultModel: (provider: ProviderName): string => capabilities(provider).defaultModel,

    /** The connections whose fine-tunes are jobs at the provider (and that serve fine-tuned models made elsewhere). */
    hostedTrainers: (): ProviderName[] => names.filter((name) => capabilities(name).training?.kind === 'fine_tuned'),

    /**
     * Its fine-tunes run in Tuneline's in-process trainer (one step, weights stored with the model)
     * rather than as jobs at the provider (upload, then polls).
     */
    trainsInProcess: (provider: ProviderName): boolean => capabilities(provider).training?.kind === 'local_trained',

    /** How the connection trains; throws for one that does not. */
    training: trainingOf,

    /** The address calls go to (hosted connections), for listings. */
    baseUrl: (provider: ProviderName): string | null => connection(provider).live.baseUrl ?? null,

    /** Runs the connection's cheap health call; false when it has none (in-process connections). */
    async probe(provider: ProviderName, signal: AbortSignal): Promise<boolean> {
      const { probe } = connection(provider).live;
      if (!probe) return false;
      await probe(signal);
      return true;
    },

    /** The connection's classifier, answering under the connection's name (rate budgets and records are per connection). */
    classifier(spec: ModelSpec, prompt: PromptConfig): Classifier {
      const { provider, ...rest } = spec;
      return underName(provider, connection(provider).live.classifier(rest, prompt));
    },

    /** A model version's classifier as classify serves it: the connection's serving path, else its classifier. */
    servingClassifier(spec: ModelSpec, prompt: PromptConfig): Classifier {
      const { provider, ...rest } = spec;
      const { live } = connection(provider);
      return underName(provider, (live.servingClassifier ?? live.classifier)(rest, prompt));
    },

    /**
     * The per-minute budget calls to the connection keep to: the one given (a run's own), else the
     * connection's default. None for in-process connections, whose calls are never rate-limited.
     */
    budgetFor(provider: ProviderName, given?: DefaultBudget): DefaultBudget | undefined {
      if (capabilities(provider).runs === 'in-process') return undefined;
      return given ?? connection(provider).live.defaultBudget ?? {};
    },

    /** Files and fine-tuning jobs at a hosted trainer. */
    fineTuning(provider: ProviderName): FineTuningApi {
      const api = connection(provider).live.fineTuning;
      if (!api || !capabilities(provider).training) throw new Error(`provider ${provider} has no fine-tuning API`);
      return api();
    },

    /** Whether the connection can start dedicated endpoints in this deployment (its kind has them, and it is configured). */
    hasDedicatedEndpoints(provider: ProviderName): boolean {
      const found = connections.get(provider);
      return Boolean(found?.live.configured && found.live.dedicatedEndpoints && found.capabilities.dedicatedEndpoints);
    },

    /** Dedicated endpoints at a connection that has them; throws for one that does not. */
    dedicatedEndpoints(provider: ProviderName): DedicatedEndpointsApi {
      const api = connection(provider).live.dedicatedEndpoints;
      if (!api || !capabilities(provider).dedicatedEndpoints)
        throw new Error(`provider ${provider} has no dedicated endpoints`);
      return api();
    },

    /** The connection's lookup of announced shutdown dates, when it has one and is configured here. */
    shutdownLookup(provider: ProviderName): ((model: string) => Promise<string | null>) | undefined {
      const found = connections.get(provider);
      if (!found?.live.configured || !found.live.shutdownDate || !found.capabilities.shutdownDates) return undefined;
      return (model) => found.live.shutdownDate!(model);
    },

    /** The kind's dated table of model shutdowns; undefined when the kind has none. */
    lifecycleTable: (provider: ProviderName): LifecycleTable | undefined => KINDS[connection(provider).kind].lifecycle,

    /** Whether the connection's model list can be read here: its API has one and it is configured. */
    listsModels: (provider: ProviderName): boolean => {
      const { live } = connection(provider);
      return live.configured && Boolean(live.listModels);
    },

    /** Whether that list carries shutdown dates, so it is worth reading before refusing a model. */
    listsShutdownDates: (provider: ProviderName): boolean => connection(provider).live.listsShutdownDates === true,

    /** The provider's model list (one bounded read); throws when it has none or the call fails. */
    async listModels(provider: ProviderName, signal: AbortSignal): Promise<ListedModel[]> {
      const { live } = connection(provider);
      if (!live.listModels) throw new Error(`provider ${provider} has no model list`);
      return live.listModels(signal);
    },

    /** USD for training `tokens` tokens of `model` at the connection; null when unpriced. */
    trainingCost: (provider: ProviderName, model: string, tokens: number, overrides?: PriceOverrides): number | null =>
      trainingOf(provider).cost(model, tokens, overrides),
  };
}

export type Providers = ReturnType<typeof createProviders>;
