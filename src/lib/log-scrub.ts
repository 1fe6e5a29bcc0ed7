import { stdSerializers } from 'pino';

const SQLSTATE = /^[0-9A-Z]{5}$/;
const WITHHELD = '\nparams: [withheld]';

type ErrorLike = Error & { query?: unknown; params?: unknown; code?: unknown; cause?: unknown };

/**
 * What drizzle appends to a failed query's message: the values it ran with. Those can be
 * anything a request carried, an API key's hash among them (authentication looks keys up by it).
 */
function paramTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (
    let current = error, depth = 0;
    current && typeof current === 'object' && depth < 10;
    current = (current as ErrorLike).cause, depth++
  ) {
    const { query, params } = current as ErrorLike;
    if (typeof query === 'string' && Array.isArray(params)) texts.push(`\nparams: ${params}`);
  }
  return texts;
}

/**
 * pino's error serializer, minus the values of failed queries (in `params` and in the message and
 * stack, where drizzle also writes them) and Postgres's `detail` (it quotes row values: "Key
 * (key_hash)=(…) already exists"). The statement, the SQLSTATE and the constraint are kept.
 */
export function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  if (!(error instanceof Error) || !serialized || typeof serialized !== 'object') return serialized;
  const out = serialized as Record<string, unknown>;
  for (const text of paramTexts(error)) {
    for (const field of ['message', 'stack'] as const) {
      if (typeof out[field] === 'string') out[field] = (out[field] as string).split(text).join(WITHHELD);
    }
  }
  delete out['params'];
  if (typeof out['code'] === 'string' && SQLSTATE.test(out['code'])) delete out['detail'];
  return out;
}
