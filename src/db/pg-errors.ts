import { AppError, errors } from '../errors.js';

interface PgError {
  code: string;
  constraint?: string;
  detail?: string;
}

function pgErrorOf(error: unknown): PgError | undefined {
  // drizzle wraps driver errors in DrizzleQueryError; the pg error is its cause.
  for (let current = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return current as PgError;
  }
  return undefined;
}

/** Maps a constraint name to the message a client should see when it is violated. */
export type ConstraintMessages = Record<string, string>;

/**
 * Translates driver errors at the repository edge: a unique violation is a conflict, a foreign-key
 * violation names something that does not exist. Anything else is rethrown untouched (a 500).
 */
export function translatePgError(error: unknown, messages: ConstraintMessages = {}): unknown {
  if (error instanceof AppError) return error;
  const pgError = pgErrorOf(error);
  if (!pgError) return error;
  const known = pgError.constraint ? messages[pgError.constraint] : undefined;
  switch (pgError.code) {
    case '23505':
      return errors.conflict(known ?? 'A resource with the same unique value already exists.', {
        constraint: pgError.constraint,
      });
    case '23503':
      return new AppError('not_found', 404, known ?? 'A referenced resource does not exist.', {
        details: { constraint: pgError.constraint },
      });
    default:
      return error;
  }
}

export async function withPgErrors<T>(work: () => Promise<T>, messages?: ConstraintMessages): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translatePgError(error, messages);
  }
}
