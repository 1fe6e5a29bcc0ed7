import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const minimal = {
  DATABASE_URL: 'postgres://localhost/tuneline',
  REDIS_URL: 'redis://localhost:6379',
  ADMIN_API_KEY: 'a-long-enough-bootstrap-key',
};

const dir = mkdtempSync(join(tmpdir(), 'tuneline-connections-'));
let files = 0;
const fileWith = (content: unknown, extension = 'json'): string => {
  const path = join(dir, `connections-${files++}.${extension}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...minimal, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('PROVIDER_CONNECTIONS_FILE', () => {
  it('has no connections beyond the built-in ones when unset', () => {
    expect(loadConfig(minimal).connections).toEqual([]);
  });

  it('reads connections with their defaults, and each key from the variable it names', () => {
    const path = fileWith({
      connections: [
        { name: 'vllm', kind: 'openai-compatible', base_url: 'http://127.0.0.1:8000/v1' },
        {
          name: 'azure-eu',
          kind: 'azure-openai',
          base_url: 'https://example.openai.azure.com',
          api_key_env: 'AZURE_EU_KEY',
          api_version: '2024-10-21',
          rpm: 60,
          headers: { 'x-team': 'ml' },
        },
      ],
    });
    const config = loadConfig({ ...minimal, PROVIDER_CONNECTIONS_FILE: path, AZURE_EU_KEY: 'az-secret' });
    expect(config.connections).toEqual([
      {
        name: 'vllm',
        kind: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:8000/v1',
        apiKeyEnv: undefined,
        apiKey: undefined,
        rpm: 500,
        tpm: 200_000,
        timeoutMs: 30_000,
        headers: {},
        apiVersion: undefined,
        fineTuning: false,
        defaultModel: undefined,
        logprobs: true,
      },
      {
        name: 'azure-eu',
        kind: 'azure-openai',
        baseUrl: 'https://example.openai.azure.com',
        apiKeyEnv: 'AZURE_EU_KEY',
        apiKey: 'az-secret',
        rpm: 60,
        tpm: 200_000,
        timeoutMs: 30_000,
        headers: { 'x-team': 'ml' },
        apiVersion: '2024-10-21',
        fineTuning: false,
        defaultModel: undefined,
        logprobs: true,
      },
    ]);
  });

  it('lists every problem with its place, never a value', () => {
    const path = fileWith({
      connections: [
        { name: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1', api_key_env: 'K' },
        { name: 'Bad Name', kind: 'bedrock', base_url: 'ftp://x', rpm: 0, extra: 1 },
        { name: 'a', kind: 'azure-openai', base_url: 'https://x', api_key_env: 'K' },
        { name: 'a', kind: 'openai-compatible', base_url: 'https://x', headers: { h: 1 } },
      ],
    });
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: path })).toEqual([
      'PROVIDER_CONNECTIONS_FILE connections[0].name: is a built-in connection',
      'PROVIDER_CONNECTIONS_FILE connections[1].extra: unknown field',
      'PROVIDER_CONNECTIONS_FILE connections[1].name: must match ^[a-z][a-z0-9-]{0,39}$',
      'PROVIDER_CONNECTIONS_FILE connections[1].kind: must be one of openai, azure-openai, together, openai-compatible',
      'PROVIDER_CONNECTIONS_FILE connections[1].base_url: must match ^https?:\\/\\/',
      'PROVIDER_CONNECTIONS_FILE connections[1].api_key_env: must be a non-empty string',
      'PROVIDER_CONNECTIONS_FILE connections[1].rpm: must be an integer ≥ 1',
      'PROVIDER_CONNECTIONS_FILE connections[2].api_version: must be a non-empty string',
      'PROVIDER_CONNECTIONS_FILE connections[3].name: is not unique',
      'PROVIDER_CONNECTIONS_FILE connections[3].headers: must be an object of strings',
    ]);
  });

  it('reads a .yaml file as YAML, checked like JSON', () => {
    const yaml = [
      'connections:',
      '  - name: ollama',
      '    kind: openai-compatible',
      '    base_url: http://127.0.0.1:11434/v1',
      '    default_model: llama3.1',
      '  - name: together-eu',
      '    kind: together',
      '    base_url: https://api.together.xyz/v1',
      '    api_key_env: TOGETHER_EU_KEY',
      '    rpm: 0',
    ].join('\n');
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: fileWith(yaml, 'yaml') })).toEqual([
      'PROVIDER_CONNECTIONS_FILE connections[1].rpm: must be an integer ≥ 1',
    ]);
    const config = loadConfig({
      ...minimal,
      PROVIDER_CONNECTIONS_FILE: fileWith(yaml.replace('rpm: 0', 'rpm: 30'), 'yml'),
      TOGETHER_EU_KEY: 'tg-secret',
    });
    expect(
      config.connections.map(({ name, kind, baseUrl, apiKey, rpm }) => ({ name, kind, baseUrl, apiKey, rpm })),
    ).toEqual([
      { name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, rpm: 500 },
      { name: 'together-eu', kind: 'together', baseUrl: 'https://api.together.xyz/v1', apiKey: 'tg-secret', rpm: 30 },
    ]);
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: fileWith('connections: [unclosed', 'yaml') })).toEqual([
      'PROVIDER_CONNECTIONS_FILE: not valid YAML (line 1)',
    ]);
  });

  it('takes `logprobs: false` for an openai-compatible server only, and true or false only', () => {
    const local = { kind: 'openai-compatible', base_url: 'http://vllm:8000/v1' };
    const config = loadConfig({
      ...minimal,
      PROVIDER_CONNECTIONS_FILE: fileWith({ connections: [{ name: 'vllm', ...local, logprobs: false }] }),
    });
    expect(config.connections[0]).toMatchObject({ name: 'vllm', logprobs: false });
    const file = fileWith({
      connections: [
        { name: 'odd', ...local, logprobs: 'no' },
        { name: 'hosted', kind: 'together', base_url: 'http://x/v1', api_key_env: 'K', logprobs: false },
      ],
    });
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: file })).toEqual([
      'PROVIDER_CONNECTIONS_FILE connections[0].logprobs: must be true or false',
      'PROVIDER_CONNECTIONS_FILE connections[1].logprobs: may be false for openai-compatible only',
    ]);
  });

  it('says when the file cannot be read or is not JSON', () => {
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: join(dir, 'missing.json') })).toEqual([
      'PROVIDER_CONNECTIONS_FILE: cannot read the file (ENOENT)',
    ]);
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: fileWith('connections:\n  - name: x\n') })).toEqual([
      'PROVIDER_CONNECTIONS_FILE: not valid JSON',
    ]);
    expect(problemsOf({ PROVIDER_CONNECTIONS_FILE: fileWith({ connections: {} }) })).toEqual([
      'PROVIDER_CONNECTIONS_FILE: must be an object with a "connections" array',
    ]);
  });
});
