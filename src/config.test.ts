import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const minimal = {
  DATABASE_URL: 'postgres://localhost/tuneline',
  REDIS_URL: 'redis://localhost:6379',
  ADMIN_API_KEY: 'a-long-enough-bootstrap-key',
};

describe('loadConfig', () => {
  it('applies defaults and coerces types', () => {
    const config = loadConfig({ ...minimal, PORT: '8080', MIGRATE_ON_START: 'true', OPENAI_API_KEY: '' });
    expect(config.port).toBe(8080);
    expect(config.migrateOnStart).toBe(true);
    expect(config.queuePrefix).toBe('tuneline');
    expect(config.openai).toEqual({
      apiKey: undefined,
      baseUrl: 'https://api.openai.com/v1',
      organization: undefined,
      project: undefined,
      timeoutMs: 30_000,
      rpm: 500,
      tpm: 200_000,
    });
    expect(config.together).toEqual({
      apiKey: undefined,
      baseUrl: 'https://api.together.xyz/v1',
      timeoutMs: 30_000,
      rpm: 600,
      tpm: 180_000,
    });
    expect(config.priceOverrides).toEqual({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.openai)).toBe(true);
  });

  it('lists every problem at once, without echoing values', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: '70000', REDIS_URL: 'http://x', ADMIN_API_KEY: 'short-secret', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'DATABASE_URL: required but not set',
      'PORT: must be <= 65535',
      'LOG_LEVEL: must be equal to one of the allowed values (fatal, error, warn, info, debug, trace, silent)',
      'REDIS_URL: must match pattern "^rediss?://"',
      'ADMIN_API_KEY: must not have fewer than 24 characters',
    ]);
    expect(error!.message).not.toContain('short-secret');
  });

  it('validates price overrides', () => {
    expect(
      loadConfig({ ...minimal, PRICE_OVERRIDES: '{"my-model": {"input": 1, "output": 2}}' }).priceOverrides,
    ).toEqual({
      'my-model': { input: 1, output: 2 },
    });
    expect(() => loadConfig({ ...minimal, PRICE_OVERRIDES: '{"my-model": {"input": "cheap"}}' })).toThrow(
      /PRICE_OVERRIDES/,
    );
  });
});
