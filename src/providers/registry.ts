import type { PromptConfig } from '../domain/labeling/prompt-config.js';
import type { PriceOverrides } from '../domain/pricing.js';
import { localProvider } from './local/local-provider.js';
import { openAIProvider } from './openai/openai-provider.js';
import { togetherProvider } from './together/together-provider.js';
import type {
  Classifier,
  ClassifierSpec,
  DefaultBudget,
  FineTuningApi,
  ProviderCapabilities,
  ProviderConnection,
  ProviderDefinition,
  ProvidersConfig,
  TrainingCapability,
} from './provider.js';

/**
 * Every provider Tuneline knows, in the order the API lists them. Adding one is a folder under
 * src/providers with its ProviderDefinition, and a line here. Only src/providers knows their names:
 * services ask the registry what a provider can do.
 */
const DEFINITIONS = {
  openai: openAIProvider,
  together: togetherProvider,
  local: localProvider,
} as const satisfies Record<string, ProviderDefinition>;

export type ProviderName = keyof typeof DEFINITIONS;
export const PROVIDERS = Object.keys(DEFINITIONS) as ProviderName[];

export interface ModelSpec extends ClassifierSpec {
  provider: ProviderName;
}

/** The declared capabilities of a provider; no configuration needed. */
export const providerCapabilities = (provider: ProviderName): ProviderCapabilities =>
  DEFINITIONS[provider].capabilities;

/** The provider that needs nothing configured and runs in-process: what works offline, by default. */
export const OFFLINE_PROVIDER: ProviderName = PROVIDERS.find((name) => {
  const capabilities = providerCapabilities(name);
  return capabilities.runs === 'in-process' && !capabilities.needsKey && capabilities.classifies;
})!;

/** Builds each provider's connection from configuration (clients are created on first use) and answers for them. */
export function createProviders(config: ProvidersConfig) {
  const connections = new Map<ProviderName, ProviderConnection>(
    PROVIDERS.map((name) => [name, DEFINITIONS[name].connect(config)]),
  );
  const connection = (provider: ProviderName): ProviderConnection => {
    const found = connections.get(provider);
    if (!found) throw new Error(`unknown provider ${provider}`);
    return found;
  };
  const trainingOf = (provider: ProviderName): TrainingCapability => {
    const training = providerCapabilities(provider).training;
    if (!training) throw new Error(`provider ${provider} does not train`);
    return training;
  };

  return {
    capabilities: providerCapabilities,

    /** Whether the provider can be used at all in this deployment (a hosted one needs its key). */
    isConfigured: (provider: ProviderName): boolean => connection(provider).configured,

    /** What to set to configure the provider, for messages (null when there is nothing to set). */
    configHint: (provider: ProviderName): string | null => providerCapabilities(provider).configHint,

    /** Runs in Tuneline's own processes: no network, no rate budget, no bill. */
    isInProcess: (provider: ProviderName): boolean => providerCapabilities(provider).runs === 'in-process',

    /** The model a request that names none gets. */
    defaultModel: (provider: ProviderName): string => providerCapabilities(provider).defaultModel,

    /** The providers whose fine-tunes are jobs at the provider (and that serve fine-tuned models made elsewhere). */
    hostedTrainers: (): ProviderName[] =>
      PROVIDERS.filter((name) => providerCapabilities(name).training?.kind === 'fine_tuned'),

    /**
     * Its fine-tunes run in Tuneline's in-process trainer (one step, weights stored with the model)
     * rather than as jobs at the provider (upload, then polls).
     */
    trainsInProcess: (provider: ProviderName): boolean =>
      providerCapabilities(provider).training?.kind === 'local_trained',

    /** How the provider trains; throws for one that does not. */
    training: trainingOf,

    classifier(spec: ModelSpec, prompt: PromptConfig): Classifier {
      const { provider, ...rest } = spec;
      return connection(provider).classifier(rest, prompt);
    },

    /**
     * The per-minute budget calls to the provider keep to: the one given (a run's own), else the
     * provider's default. None for in-process providers, whose calls are never rate-limited.
     */
    budgetFor(provider: ProviderName, given?: DefaultBudget): DefaultBudget | undefined {
      if (providerCapabilities(provider).runs === 'in-process') return undefined;
      return given ?? connection(provider).defaultBudget ?? {};
    },

    /** Files and fine-tuning jobs at a hosted trainer. */
    fineTuning(provider: ProviderName): FineTuningApi {
      const api = connection(provider).fineTuning;
      if (!api) throw new Error(`provider ${provider} has no fine-tuning API`);
      return api();
    },

    /** The provider's lookup of announced shutdown dates, when it has one and is configured here. */
    shutdownLookup(provider: ProviderName): ((model: string) => Promise<string | null>) | undefined {
      const found = connections.get(provider);
      if (!found?.configured || !found.shutdownDate || !providerCapabilities(provider).shutdownDates) return undefined;
      return (model) => found.shutdownDate!(model);
    },

    /** USD for training `tokens` tokens of `model` at the provider; null when unpriced. */
    trainingCost: (provider: ProviderName, model: string, tokens: number, overrides?: PriceOverrides): number | null =>
      trainingOf(provider).cost(model, tokens, overrides),
  };
}

export type Providers = ReturnType<typeof createProviders>;
