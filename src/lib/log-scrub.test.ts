import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { serializeError } from './log-scrub.js';

const pgError = () =>
  Object.assign(new Error('duplicate key value violates unique constraint "api_keys_key_hash_unique"'), {
    code: '23505',
    constraint: 'api_keys_key_hash_unique',
    detail: 'Key (key_hash)=(f00dfeed) already exists.',
  });

describe('serializeError', () => {
  it('keeps the statement but withholds the values a failed query ran with', () => {
    const error = new DrizzleQueryError(
      'select * from "api_keys" where "key_hash" = $1',
      ['f00dfeed', 'line one\nline two'],
      pgError(),
    );
    const serialized = JSON.stringify(serializeError(error));
    expect(serialized).toContain('select * from \\"api_keys\\" where \\"key_hash\\" = $1');
    expect(serialized).toContain('params: [withheld]');
    expect(serialized).toContain('api_keys_key_hash_unique');
    expect(serialized).not.toContain('f00dfeed');
    expect(serialized).not.toContain('line one');
  });

  it('drops the detail of a Postgres error, which quotes row values, and keeps its code and constraint', () => {
    const serialized = serializeError(pgError()) as Record<string, unknown>;
    expect(serialized).toMatchObject({ code: '23505', constraint: 'api_keys_key_hash_unique' });
    expect(serialized['detail']).toBeUndefined();
  });

  it('leaves other errors and non-errors as pino would', () => {
    const plain = serializeError(Object.assign(new Error('boom'), { detail: 'kept' })) as Record<string, unknown>;
    expect(plain).toMatchObject({ message: 'boom', detail: 'kept' });
    expect(serializeError('text')).toBe('text');
  });
});
