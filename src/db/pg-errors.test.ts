import { describe, expect, it } from 'vitest';
import { databaseUnavailableReason, translatePgError } from './pg-errors.js';
import { AppError } from '../errors.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
// drizzle wraps the driver's error; the query text and parameters are in the wrapper's message.
const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select ... params: secret'), { cause });

describe('databaseUnavailableReason', () => {
  it.each([
    ['ECONNREFUSED', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ECONNRESET', pgError('ECONNRESET', 'read ECONNRESET')],
    ['57P01', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02', pgError('57P02')],
    ['57P03', pgError('57P03', 'the database system is starting up')],
    ['08006', pgError('08006')],
    ['53300', pgError('53300', 'sorry, too many clients already')],
    ['57014', pgError('57014', 'canceling statement due to statement timeout')],
  ])('recognises %s, also inside a drizzle error', (reason, error) => {
    expect(databaseUnavailableReason(error)).toBe(reason);
    expect(databaseUnavailableReason(wrapped(error))).toBe(reason);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Query read timeout',
  ])('recognises pg messages without a code: %s', (message) => {
    expect(databaseUnavailableReason(wrapped(new Error(message)))).toBe(message);
  });

  it("looks inside node's AggregateError from a dual-stack connect", () => {
    const error = new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], '');
    expect(databaseUnavailableReason(error)).toBe('ECONNREFUSED');
  });

  it('leaves errors that retrying will not fix alone', () => {
    for (const code of ['23505', '23503', '22P02', '42P01', '40001'])
      expect(databaseUnavailableReason(wrapped(pgError(code)))).toBeUndefined();
    expect(databaseUnavailableReason(new Error('boom'))).toBeUndefined();
    expect(databaseUnavailableReason(new AppError('conflict', 409, 'x'))).toBeUndefined();
    expect(databaseUnavailableReason(undefined)).toBeUndefined();
  });

  it('still translates constraint violations', () => {
    expect((translatePgError(wrapped(pgError('23505'))) as AppError).statusCode).toBe(409);
  });
});
