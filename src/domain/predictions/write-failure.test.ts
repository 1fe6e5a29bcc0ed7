import { describe, expect, it } from 'vitest';
import { isPermanentWriteError, sqlstateOf } from './write-failure.js';

const pgError = (code: string) => Object.assign(new Error('pg'), { code });

describe('prediction log write failures', () => {
  it('treats data exceptions, integrity violations and program limits as permanent', () => {
    for (const code of ['22P05', '22021', '22P02', '23502', '54000'])
      expect(isPermanentWriteError(pgError(code)), code).toBe(true);
  });

  it('treats connection, resource, shutdown and serialization errors as transient', () => {
    for (const code of ['08006', '53300', '57P01', '57014', '40001', '42P01'])
      expect(isPermanentWriteError(pgError(code)), code).toBe(false);
    // Node socket errors carry codes too, but not SQLSTATEs.
    expect(isPermanentWriteError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isPermanentWriteError(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(isPermanentWriteError(undefined)).toBe(false);
  });

  it('finds the SQLSTATE behind a wrapper', () => {
    expect(sqlstateOf(new Error('query failed', { cause: pgError('22P05') }))).toBe('22P05');
  });
});
