import { describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../config.js';
import { createProviders, UnknownProviderError } from './registry.js';

const builtIn = {
  openai: {
    apiKey: 'sk-test',
    baseUrl: 'http://127.0.0.1:9',
    organization: undefined,
    project: undefined,
    timeoutMs: 1000,
    rpm: 500,
    tpm: 200_000,
  },
  together: { apiKey: undefined, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, rpm: 600, tpm: 180_000 },
};
const connection = (
  overrides: Partial<ConnectionConfig> & Pick<ConnectionConfig, 'name' | 'kind'>,
): ConnectionConfig => ({
  baseUrl: 'http://127.0.0.1:9/v1',
  apiKeyEnv: undefined,
  apiKey: undefined,
  rpm: 50,
  tpm: 5_000,
  timeoutMs: 1000,
  headers: {},
  apiVersion: undefined,
  fineTuning: false,
  defaultModel: undefined,
  logprobs: true,
  ...overrides,
});

const providers = createProviders({
  ...builtIn,
  connections: [
    connection({ name: 'ollama', kind: 'openai-compatible', defaultModel: 'llama3.2' }),
    connection({ name: 'vllm', kind: 'openai-compatible', apiKeyEnv: 'VLLM_KEY', fineTuning: true }),
    connection({
      name: 'azure-eu',
      kind: 'azure-openai',
      apiKeyEnv: 'AZURE_EU_KEY',
      apiKey: 'az-secret',
      apiVersion: '2024-10-21',
    }),
  ],
});

describe('named connections', () => {
  it('lists the built-in connections first, then the file’s, each with its kind', () => {
    expect(providers.names()).toEqual(['openai', 'together', 'local', 'ollama', 'vllm', 'azure-eu']);
    expect(providers.names().map((name) => providers.kind(name))).toEqual([
      'openai',
      'together',
      'local',
      'openai-compatible',
      'openai-compatible',
      'azure-openai',
    ]);
  });

  it('is configured without a key when it names none, and needs the variable it names', () => {
    expect(providers.isConfigured('ollama')).toBe(true);
    expect(providers.isConfigured('vllm')).toBe(false);
    expect(providers.configHint('vllm')).toBe('set VLLM_KEY');
    expect(providers.isConfigured('azure-eu')).toBe(true);
    expect(providers.isConfigured('together')).toBe(false);
  });

  it('takes the default model and training from the connection', () => {
    expect(providers.defaultModel('ollama')).toBe('llama3.2');
    expect(providers.capabilities('ollama').training).toBeNull();
    expect(() => providers.fineTuning('ollama')).toThrow(/no fine-tuning API/);
    expect(providers.capabilities('vllm').training?.kind).toBe('fine_tuned');
    expect(providers.hostedTrainers()).toEqual(['openai', 'together', 'vllm', 'azure-eu']);
    expect(providers.shutdownLookup('azure-eu')).toBeUndefined();
    expect(providers.shutdownLookup('openai')).toBeTypeOf('function');
  });

  it('keeps budgets per connection, and classifiers answer under the connection’s name', () => {
    expect(providers.budgetFor('ollama')).toEqual({ rpm: 50, tpm: 5_000 });
    expect(providers.budgetFor('local')).toBeUndefined();
    const prompt = { labels: [{ name: 'a' }, { name: 'b' }], instructions: '' } as never;
    expect(providers.classifier({ provider: 'ollama', model: 'llama3.2' }, prompt).provider).toBe('ollama');
    expect(providers.classifier({ provider: 'openai', model: 'gpt-4o-mini' }, prompt).provider).toBe('openai');
  });

  it('throws a typed error naming an unknown connection', () => {
    expect(providers.has('nope')).toBe(false);
    expect(() => providers.isConfigured('nope')).toThrow(UnknownProviderError);
    expect(() => providers.classifier({ provider: 'nope', model: 'm' }, {} as never)).toThrow(
      'unknown provider connection nope',
    );
  });
});
