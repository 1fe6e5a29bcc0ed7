/**
 * Whether a failed INSERT would fail again with the same rows. Postgres data exceptions (class 22:
 * 22P05 untranslatable character, 22021 invalid byte sequence, 22P02 invalid JSON…), integrity
 * violations (23) and program limits (54) are about the rows themselves, so retrying is futile and
 * the batch must be split. Anything else (no SQLSTATE: refused, reset or timed-out connections;
 * 08 connection, 53 resources, 57 shutdown or cancel, 40 serialization) goes away by itself.
 */
const PERMANENT_CLASSES = new Set(['22', '23', '54']);

export function sqlstateOf(error: unknown): string | undefined {
  // Wrappers (drizzle's DrizzleQueryError) keep the driver error as their cause.
  for (let current = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isPermanentWriteError(error: unknown): boolean {
  const code = sqlstateOf(error);
  return code !== undefined && PERMANENT_CLASSES.has(code.slice(0, 2));
}
