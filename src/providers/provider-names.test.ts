import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROVIDERS, createProviders, kindCapabilities, PROVIDER_KINDS } from './registry.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));

/** Source files that must not know provider names: everything in src but the providers, config and tests. */
function sourcesOutsideProviders(): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(SRC, full).split('\\').join('/');
      if (entry.isDirectory()) {
        if (path !== 'providers') walk(full);
      } else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && path !== 'config.ts') {
        files.push({ path, text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(SRC);
  return files;
}

/** `file:line: text` of each line matching. */
function hits(pattern: RegExp): string[] {
  return sourcesOutsideProviders().flatMap(({ path, text }) =>
    text.split('\n').flatMap((line, index) => (pattern.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
  );
}

describe('provider names stay in src/providers', () => {
  it('no source outside src/providers and src/config.ts has a provider name or kind as a string literal', () => {
    const names = [...new Set([...BUILT_IN_PROVIDERS, ...PROVIDER_KINDS])]
      .map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
      .join('|');
    expect(hits(new RegExp(`(['"])(?:${names})\\1`))).toEqual([]);
  });

  it('no source outside them names a setting a provider declares it needs', () => {
    const settings = PROVIDER_KINDS.flatMap(
      (kind) => kindCapabilities(kind).configHint?.match(/\b[A-Z][A-Z0-9_]{2,}\b/g) ?? [],
    );
    expect(settings.length).toBeGreaterThan(0);
    expect(hits(new RegExp(`\\b(?:${settings.join('|')})\\b`))).toEqual([]);
  });
});

describe('the registry answers from declared capabilities', () => {
  const openai = {
    apiKey: undefined,
    baseUrl: 'http://127.0.0.1:9',
    organization: undefined,
    project: undefined,
    timeoutMs: 1000,
    rpm: 500,
    tpm: 200_000,
  };
  const together = { apiKey: undefined, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, rpm: 500, tpm: 200_000 };
  const unkeyedConfig = { openai, together, connections: [] };
  const keyedConfig = {
    openai: { ...openai, apiKey: 'sk-test' },
    together: { ...together, apiKey: 'tg-test' },
    connections: [],
  };

  it('has one offline provider that needs nothing, and hosted ones need their key', () => {
    const unkeyed = createProviders(unkeyedConfig);
    const keyed = createProviders(keyedConfig);
    for (const name of keyed.names()) {
      const { needsKey } = keyed.capabilities(name);
      expect(unkeyed.isConfigured(name)).toBe(!needsKey);
      expect(keyed.isConfigured(name)).toBe(true);
      if (needsKey) expect(unkeyed.configHint(name)).toMatch(/^set [A-Z_]+$/);
    }
  });

  it('gives in-process providers no rate budget and hosted ones the given budget or their default', () => {
    const providers = createProviders(keyedConfig);
    for (const name of providers.names()) {
      if (providers.isInProcess(name)) {
        expect(providers.budgetFor(name, { rpm: 1 })).toBeUndefined();
      } else {
        expect(providers.budgetFor(name, { rpm: 1 })).toEqual({ rpm: 1 });
        expect(providers.budgetFor(name)).toEqual({ rpm: 500, tpm: 200_000 });
      }
    }
  });

  it('dispatches training on the declared kind: hosted trainers have a fine-tuning API, in-process ones do not', () => {
    const providers = createProviders(keyedConfig);
    for (const name of providers.names()) {
      const training = providers.capabilities(name).training;
      if (!training) continue;
      expect(providers.trainsInProcess(name)).toBe(training.kind === 'local_trained');
      if (training.kind === 'fine_tuned') {
        expect(providers.hostedTrainers()).toContain(name);
        expect(typeof providers.fineTuning(name).createJob).toBe('function');
      } else {
        expect(() => providers.fineTuning(name)).toThrow(/no fine-tuning API/);
        expect(providers.trainingCost(name, training.defaultBaseModel, 1_000_000)).toBe(0);
      }
    }
  });
});
