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
 * violation names something that does not exist. Anything else is rethrown untouched: the error
 * handler makes an unreachable database a 503 (`databaseUnavailable`) and the rest a 500.
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
      return errors.referenceNotFound(known ?? 'A referenced resource does not exist.', pgError.constraint);
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

/** How long a client should wait before retrying when the database is away (a restart takes seconds). */
const DATABASE_RETRY_AFTER_SECONDS = 5;

// SQLSTATEs that mean "not now" rather than "not this request": connection exceptions (class 08),
// the server shutting down, crashing or still starting up, no connection slots, a statement timeout.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;
// Socket errors from node (the server is down, restarting or unreachable).
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// pg and pg-pool report these without a code.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // "... unexpectedly", "... due to connection timeout"
  /^timeout exceeded when trying to connect/, // pool connectionTimeoutMillis
  /^Query read timeout/, // query_timeout
  /is not queryable/, // a client that already lost its connection
  /^Cannot use a pool after calling end/, // shutting down
];

function* causesOf(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    yield current;
    // drizzle keeps the driver error as `cause`; node's dual-stack connect fails with an AggregateError.
    pending.push((current as { cause?: unknown }).cause);
    if (current instanceof AggregateError) pending.push(...current.errors);
  }
}

/**
 * Why the database could not be used, when the error says it is unreachable, restarting or
 * overloaded (retrying later may work) rather than that the request itself was wrong; else undefined.
 */
export function databaseUnavailableReason(error: unknown): string | undefined {
  if (error instanceof AppError) return undefined;
  for (const current of causesOf(error)) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code)))
      return code;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return message;
  }
  return undefined;
}

/** The 503 a client gets instead of a 500 when the database is unavailable. */
export const databaseUnavailableError = (): AppError =>
  errors.unavailable('The database is unavailable; retry shortly.', undefined, DATABASE_RETRY_AFTER_SECONDS);
