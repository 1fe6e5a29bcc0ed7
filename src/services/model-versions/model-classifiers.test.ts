import { describe, expect, it } from 'vitest';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { createProviders } from '../../providers/registry.js';
import { modelClassifiers } from './model-classifiers.js';

const providers = createProviders({
  openai: {
    apiKey: undefined,
    baseUrl: 'http://127.0.0.1:9',
    organization: undefined,
    project: undefined,
    timeoutMs: 1000,
    rpm: 1,
    tpm: 1,
  },
  together: { apiKey: undefined, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, rpm: 1, tpm: 1 },
  connections: [],
});

describe('model classifiers', () => {
  it('fail every call, for good and saying why, for a model whose connection left the configuration', async () => {
    const model = {
      id: 'mv-1',
      kind: 'prompt',
      provider: 'gone-server',
      model: 'llama3.2',
      prompt: { instructions: '', labels: [{ name: 'a' }], fewShot: [] },
    } as unknown as ModelVersionRecord;
    const target = modelClassifiers(providers, { update: async () => undefined }).targetFor(model);
    expect(target.budget).toBeUndefined();
    await expect(target.classifier.classify('text', target.prompt)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'unknown_provider',
      message: 'no provider connection "gone-server" in this deployment',
    });
  });
});
